import ArgumentParser
import Foundation

extension TakumiCommand {
    /// The process entry point: `main()` of ArgumentParser, plus the promises it cannot keep
    /// by itself — stdin closed at launch is noticed before anything reuses descriptor 0, the
    /// signals takumi honors are unblocked (a parent's blocked mask is inherited), and `takumi filter` with bad arguments (`--bogus`) still echoes its input, so an editor
    /// that ignores the exit status keeps the selection.
    public static func runMain() -> Never {
        StandardStreams.prepare()
        InterruptHandler.unblockSignals()
        let arguments = Array(CommandLine.arguments.dropFirst())
        var command: ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            if arguments.first == FilterCommand.configuration.commandName, exitCode(for: error) != .success,
               let input = try? StandardStreams.readInput() {
                StandardStreams.writeOutput(input)
            }
            exit(withError: error)
        }
        do {
            try command.run()
        } catch {
            exit(withError: error)
        }
        exit()
    }
}
