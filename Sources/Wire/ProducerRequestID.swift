/// The number a client gives a request so it can match the response; unique among the
/// requests in flight on one connection.
///
/// Invariant: a client never sends 0. A node answers with request id 0 only for errors it
/// cannot tie to a request (an oversized frame, a payload too short to hold an id).
public struct ProducerRequestID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The number on the wire.
    public var rawValue: UInt64
    /// Wraps a number.
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    /// Wraps a number.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    /// The id of errors that answer no particular request.
    public static let connection = ProducerRequestID(0)
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "#\(rawValue)" }
}
