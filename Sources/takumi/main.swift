import TakumiCLI

TakumiCommand.main()
