import Foundation
import HeraldClient
import Wire

extension LocalCluster {
    /// Producer addresses, starting with node `first` (the node the client talks to
    /// while it is up).
    func producerAddresses(startingAt first: UInt64) -> [HeraldServerAddress] {
        let ordered = nodes.filter { $0.id == first } + nodes.filter { $0.id != first }
        return ordered.map { HeraldServerAddress(host: "127.0.0.1", port: $0.clientPort) }
    }

    /// A small valid message.
    static func envelope(_ number: Int, key: String? = nil, to recipient: String? = nil) -> EnvelopeFields {
        let message = """
            From: sender@example.com\r
            To: rcpt\(number)@example.org\r
            Subject: message \(number)\r
            \r
            body of message \(number)\r

            """
        return EnvelopeFields(mailFrom: "sender@example.com", recipients: [recipient ?? "rcpt\(number)@example.org"],
                              message: Array(message.utf8), idempotencyKey: key ?? "")
    }

    /// Every running node's (appliedIndex, stateDigest), once all running nodes report
    /// the same pair (within `timeout`).
    func waitForConvergence(timeout: Duration = .seconds(60)) -> (applied: Int, digest: String)? {
        var agreed: (Int, String)?
        _ = waitUntil(timeout: timeout) {
            let running = nodes.map(\.id).filter(isRunning)
            let pairs = running.compactMap(status).compactMap { status -> (Int, String)? in
                guard let applied = status["appliedIndex"] as? Int, let digest = status["stateDigest"] as? String,
                      status["commitIndex"] as? Int == applied else { return nil }
                return (applied, digest)
            }
            guard pairs.count == running.count, let first = pairs.first,
                  pairs.allSatisfy({ $0 == first }) else { return false }
            agreed = first
            return true
        }
        return agreed
    }
}
