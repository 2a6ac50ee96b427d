import ArgumentParser
import Foundation
import HeraldClient
import Wire

/// `herald --cluster FILE message ID [--json]`: where a message's recipients stand.
struct MessageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "message",
        abstract: "Show a message's recipients and where each stands."
    )

    @OptionGroup var cluster: ClusterOptions

    @Argument(help: "The message id (32 hex digits).")
    var id: MessageIDArgument

    @Flag(help: "Print a JSON object.")
    var json = false

    func run() async throws {
        let report = try await cluster.withClient { client in try await client.messageStatus(id.value) }
        if json {
            JSONOutput.print([
                "id": report.id.hex,
                "enqueuedAt": report.enqueuedAtMilliseconds,
                "recipients": report.recipients.map { ["address": $0.address, "state": $0.state.name, "detail": $0.detail] },
            ])
            return
        }
        let enqueued = Date(timeIntervalSince1970: Double(report.enqueuedAtMilliseconds) / 1000)
        print("message \(report.id.hex), enqueued \(enqueued.formatted(.iso8601))")
        for recipient in report.recipients {
            print("  \(recipient.address): \(recipient.state.name)\(recipient.detail.isEmpty ? "" : " (\(recipient.detail))")")
        }
    }
}

/// `herald --cluster FILE cancel ID`: cancel the recipients still queued.
struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a message's recipients that are still queued."
    )

    @OptionGroup var cluster: ClusterOptions

    @Argument(help: "The message id (32 hex digits).")
    var id: MessageIDArgument

    func run() async throws {
        let cancelled = try await cluster.withClient { client in try await client.cancel(id.value) }
        print("cancelled \(cancelled) recipient\(cancelled == 1 ? "" : "s")")
    }
}

/// A message id typed on the command line.
struct MessageIDArgument: ExpressibleByArgument {
    let value: WireMessageID

    init?(argument: String) {
        guard let value = WireMessageID(hex: argument) else { return nil }
        self.value = value
    }
}
