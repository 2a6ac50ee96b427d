/// A refusal from a node: a code and one sentence for a person.
public struct ProducerError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, for programs.
    public var code: ProducerErrorCode
    /// What went wrong, for people; at most `ProducerLimits.maxDetailBytes`.
    public var detail: String

    /// Creates a refusal.
    public init(code: ProducerErrorCode, detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { detail.isEmpty ? code.name : "\(code.name): \(detail)" }
}
