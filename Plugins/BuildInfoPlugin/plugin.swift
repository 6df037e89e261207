import Foundation
import PackagePlugin

/// Writes `BuildInfo.swift` (the git commit the build comes from) before each build of the
/// target that uses it, so `takumi --version` names its commit. The work is done by
/// scripts/write-build-info, which rewrites the file only when the commit changes (no needless
/// recompiles) and writes "unknown" outside a git checkout.
@main
struct BuildInfoPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("generated")
        let script = context.package.directoryURL.appendingPathComponent("scripts/write-build-info")
        return [.prebuildCommand(displayName: "Recording the git commit for takumi --version",
                                 executable: URL(fileURLWithPath: "/bin/sh"),
                                 arguments: [script.path, context.package.directoryURL.path, output.path],
                                 outputFilesDirectory: output)]
    }
}
