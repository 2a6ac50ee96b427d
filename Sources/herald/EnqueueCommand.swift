import ArgumentParser
import Foundation
import HeraldClient
import RaftCore
import Wire

/// `herald --cluster FILE enqueue …`: queue one message.
struct EnqueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enqueue",
        abstract: "Queue one message; prints its id once a majority has it.",
        discussion: """
            Give either --subject and --body (a text/plain message is built) or --eml with a \
            finished RFC 5322 message. The envelope recipients are the --to addresses.
            """
    )

    @OptionGroup var cluster: ClusterOptions

    @Option(help: "The envelope sender (and From: of a built message); empty for a null sender.")
    var from: String

    @Option(help: "A recipient; repeat for more.")
    var to: [String] = []

    @Option(help: "The subject of a built message.")
    var subject: String?

    @Option(help: "The text of a built message.")
    var body: String?

    @Option(help: "A file holding a finished RFC 5322 message.")
    var eml: String?

    @Option(help: "Makes retries safe: a second enqueue with the same key returns the first message's id.")
    var idempotencyKey: String = ""

    @Option(help: "0 (lowest) to 9; 5 is normal.")
    var priority: UInt8 = 5

    @Flag(help: "Print a JSON object.")
    var json = false

    func validate() throws {
        guard !to.isEmpty else { throw ValidationError("give at least one --to") }
        guard priority <= 9 else { throw ValidationError("--priority must be 0-9") }
        switch (subject, body, eml) {
        case (.some, .some, nil), (nil, nil, .some): break
        default: throw ValidationError("give either --subject and --body, or --eml FILE")
        }
    }

    func run() async throws {
        let message: [UInt8]
        if let eml {
            guard let data = FileManager.default.contents(atPath: eml) else {
                throw ValidationError("cannot read --eml file \(eml)")
            }
            message = Array(data)
        } else {
            message = PlainTextMessage(from: from, to: to, subject: subject ?? "", body: body ?? "",
                                       dateSeconds: Int64(Date().timeIntervalSince1970),
                                       utcOffsetMinutes: TimeZone.current.secondsFromGMT() / 60).bytes
        }
        let envelope = EnvelopeFields(mailFrom: from, recipients: to, message: message,
                                      idempotencyKey: idempotencyKey, priority: priority)
        let ack = try await cluster.withClient { client in try await client.enqueue(envelope) }
        if json {
            JSONOutput.print([
                "id": ack.id.hex, "term": ack.term.rawValue, "index": ack.index.rawValue,
                "duplicate": ack.duplicate, "suppressed": ack.suppressed,
            ])
            return
        }
        print(ack.id.hex)
        if ack.duplicate { print("duplicate: the idempotency key matched an earlier message") }
        for address in ack.suppressed { print("suppressed: \(address)") }
    }
}
