import ArgumentParser
import Foundation

/// `herald`: the operator's and producer's command line.
///
/// Exit codes: 0 ok, 1 refused by the cluster, 2 usage or configuration error.
@main
struct Herald: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "herald",
        abstract: "Operate a Herald cluster.",
        subcommands: [ConfigCommand.self, StatusCommand.self, BackupCommand.self, EnqueueCommand.self, MessageCommand.self,
                      CancelCommand.self, SuppressCommand.self]
    )

    /// `--cluster FILE` and `--timeout` are accepted before the subcommand too.
    @OptionGroup var cluster: ClusterOptions

    /// Runs the command line; usage errors exit 2 rather than ArgumentParser's 64, so
    /// scripts see one code for "you asked for something malformed".
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success || code == .failure {
                exit(withError: error)
            }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(2)
        }
    }
}
