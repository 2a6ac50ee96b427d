/// Where every recipient of one message stands.
public struct MessageStatusReport: Equatable, Sendable {
    /// One recipient's state.
    public struct Recipient: Equatable, Sendable {
        /// The forward-path.
        public var address: String
        /// Where it stands.
        public var state: RecipientStateCode
        /// The last SMTP reply or reason, for a person; may be empty.
        public var detail: String

        /// Creates a recipient line.
        public init(address: String, state: RecipientStateCode, detail: String = "") {
            self.address = address
            self.state = state
            self.detail = detail
        }
    }

    /// The message.
    public var id: WireMessageID
    /// When the enqueue committed, in ms since the Unix epoch.
    public var enqueuedAtMilliseconds: UInt64
    /// Every recipient, in envelope order.
    public var recipients: [Recipient]

    /// Creates a report.
    public init(id: WireMessageID, enqueuedAtMilliseconds: UInt64, recipients: [Recipient]) {
        self.id = id
        self.enqueuedAtMilliseconds = enqueuedAtMilliseconds
        self.recipients = recipients
    }
}
