extension ProducerErrorCode {
    /// The code a node answers when a producer frame fails to decode: `frameTooLarge` for
    /// an oversized frame, `unknownRequest` for a kind that is not a request, and
    /// `malformedRequest` for everything else.
    /// - Parameter error: what the frame decoder or `ProducerRequest.decode` threw.
    public init(_ error: WireError) {
        switch error {
        case .frameTooLarge: self = .frameTooLarge
        case .unknownKind: self = .unknownRequest
        case .emptyFrame, .malformed, .truncatedFrame: self = .malformedRequest
        }
    }
}
