/// A cluster member's identity. Stable for the life of the member; never reused.
public struct NodeID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The numeric identity.
    public var rawValue: UInt64
    /// Wraps a numeric identity.
    /// - Parameter rawValue: the identity; 0 is reserved for "none" and MUST NOT be used.
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    /// Wraps a numeric identity.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "n\(rawValue)" }
}

/// A Raft term (Raft §5.1): a logical clock that only grows.
public struct Term: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The numeric term.
    public var rawValue: UInt64
    /// Wraps a numeric term.
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    /// Wraps a numeric term.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    /// Term 0: before any election.
    public static let zero = Term(0)
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "t\(rawValue)" }
}

/// A position in the replicated log. The first entry has index 1; index 0 means "before the log".
public struct LogIndex: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The numeric index.
    public var rawValue: UInt64
    /// Wraps a numeric index.
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    /// Wraps a numeric index.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    /// Index 0: the empty prefix.
    public static let zero = LogIndex(0)
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "i\(rawValue)" }
    /// The index `n` positions later.
    public func advanced(by n: UInt64) -> LogIndex { LogIndex(rawValue + n) }
}
