import TakumiCLI

TakumiCommand.runMain()
