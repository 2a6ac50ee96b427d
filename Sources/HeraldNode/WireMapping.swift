import QueueModel
import Wire

// Conversions between the wire's producer types and QueueModel's own.

extension MessageID {
    init(_ wire: WireMessageID) { self.init(high: wire.high, low: wire.low) }
}

extension WireMessageID {
    init(_ id: MessageID) { self.init(high: id.high, low: id.low) }
}

extension SuppressionReason {
    init(_ code: SuppressionReasonCode) {
        switch code {
        case .hardBounce: self = .hardBounce
        case .complaint: self = .complaint
        case .unsubscribe: self = .unsubscribe
        case .manual: self = .manual
        }
    }
}

extension SuppressionReasonCode {
    init(_ reason: SuppressionReason) {
        switch reason {
        case .hardBounce: self = .hardBounce
        case .complaint: self = .complaint
        case .unsubscribe: self = .unsubscribe
        case .manual: self = .manual
        }
    }
}

extension Wire.SuppressionEntry {
    init(_ record: SuppressionRecord) {
        self.init(address: record.address, reason: SuppressionReasonCode(record.reason), source: record.source,
                  sinceMilliseconds: record.suppressedAt.rawValue)
    }
}

extension RecipientStateCode {
    init(_ state: RecipientState) {
        switch state {
        case .queued: self = .queued
        case .suppressed: self = .suppressed
        case .cancelled: self = .cancelled
        case .delivered: self = .delivered
        case .deferred: self = .deferred
        case .bounced: self = .bounced
        case .expired: self = .expired
        }
    }
}

extension EnvelopeValidationError {
    /// The protocol's error code for this validation failure.
    var producerCode: ProducerErrorCode {
        switch self {
        case .invalidAddress, .duplicateRecipient: .invalidAddress
        case .tooManyRecipients: .tooManyRecipients
        case .noRecipients: .malformedRequest
        case .messageTooLarge: .messageTooLarge
        case .malformedMessage: .invalidMessage
        case .priorityOutOfRange, .emptyIdempotencyKey, .idempotencyKeyTooLong, .expiresBeforeNotBefore, .sourceTooLong:
            .malformedRequest
        }
    }
}
