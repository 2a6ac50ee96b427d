import ArgumentParser
import Foundation
import HeraldClient
import Wire

/// `herald --cluster FILE suppress add|remove|check|list`: the suppression list.
struct SuppressCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suppress",
        abstract: "Work with the suppression list.",
        subcommands: [Add.self, Remove.self, Check.self, List.self]
    )

    /// `suppress add ADDRESS --reason R [--source S]`.
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop sending to an address.")

        @OptionGroup var cluster: ClusterOptions

        @Argument(help: "The address.")
        var address: String

        @Option(help: "hard-bounce, complaint, unsubscribe or manual.")
        var reason: SuppressionReasonArgument

        @Option(help: "Who or what asked, for the record.")
        var source: String = ""

        func run() async throws {
            try await cluster.withClient { client in
                try await client.suppressAdd(address, reason: reason.value, source: source)
            }
            print("suppressed \(address) (\(reason.value.name))")
        }
    }

    /// `suppress remove ADDRESS`.
    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Allow sending to an address again.")

        @OptionGroup var cluster: ClusterOptions

        @Argument(help: "The address.")
        var address: String

        func run() async throws {
            let found = try await cluster.withClient { client in try await client.suppressRemove(address) }
            print(found ? "removed \(address)" : "\(address) was not suppressed")
        }
    }

    /// `suppress check ADDRESS [--json]`.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show whether and why an address is suppressed.")

        @OptionGroup var cluster: ClusterOptions

        @Argument(help: "The address.")
        var address: String

        @Flag(help: "Print a JSON object.")
        var json = false

        func run() async throws {
            let entry = try await cluster.withClient { client in try await client.suppressCheck(address) }
            if json {
                var object: [String: Any] = ["address": address, "suppressed": entry != nil]
                if let entry { object.merge(SuppressCommand.jsonObject(entry)) { _, new in new } }
                JSONOutput.print(object)
            } else if let entry {
                print(SuppressCommand.line(entry))
            } else {
                print("\(address) is not suppressed")
            }
        }
    }

    /// `suppress list [--after A] [--limit N] [--json]`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List suppressed addresses in address order.")

        @OptionGroup var cluster: ClusterOptions

        @Option(help: "Start after this address.")
        var after: String = ""

        @Option(help: "The most entries to show, 1-1000.")
        var limit: Int = 100

        @Flag(help: "Print a JSON object.")
        var json = false

        func validate() throws {
            guard (1...ProducerLimits.maxListLimit).contains(limit) else { throw ValidationError("--limit must be 1-1000") }
        }

        func run() async throws {
            let entries = try await cluster.withClient { client in try await client.suppressList(after: after, limit: limit) }
            if json {
                JSONOutput.print(["entries": entries.map(SuppressCommand.jsonObject), "next": entries.count == limit ? entries.last?.address ?? "" : ""])
                return
            }
            for entry in entries { print(SuppressCommand.line(entry)) }
            if entries.count == limit, let last = entries.last {
                print("(more: --after \(last.address))")
            }
        }
    }

    static func line(_ entry: SuppressionEntry) -> String {
        let since = Date(timeIntervalSince1970: Double(entry.sinceMilliseconds) / 1000).formatted(.iso8601)
        return "\(entry.address)  \(entry.reason.name)  since \(since)\(entry.source.isEmpty ? "" : "  source: \(entry.source)")"
    }

    static func jsonObject(_ entry: SuppressionEntry) -> [String: Any] {
        ["address": entry.address, "reason": entry.reason.name, "source": entry.source, "since": entry.sinceMilliseconds]
    }
}

/// A suppression reason typed on the command line: `hard-bounce`, `complaint`,
/// `unsubscribe` or `manual`.
struct SuppressionReasonArgument: ExpressibleByArgument {
    let value: SuppressionReasonCode

    init?(argument: String) {
        guard let value = SuppressionReasonCode(name: argument) else { return nil }
        self.value = value
    }

    static var allValueStrings: [String] { SuppressionReasonCode.allCases.map(\.name) }
}
