/// The identity of one enqueued message: 16 bytes chosen by the leader when it stamps
/// the `enqueue` command. Shown and parsed as 32 lowercase hexadecimal digits.
///
/// Stored as two big-endian halves so the type is a cheap, `Sendable` value; `bytes`
/// gives the 16-byte form used in keys and encodings.
public struct MessageID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The first 8 bytes, big-endian.
    public var high: UInt64
    /// The last 8 bytes, big-endian.
    public var low: UInt64

    /// The number of bytes in a message id.
    public static let byteCount = 16

    /// Creates an id from its two big-endian halves.
    /// - Parameters:
    ///   - high: the first 8 bytes.
    ///   - low: the last 8 bytes.
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Creates an id from exactly 16 bytes.
    /// - Parameter bytes: the id's bytes; any other count gives `nil`.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == Self.byteCount else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (offset, byte) in bytes.enumerated() {
            if offset < 8 {
                high = high << 8 | UInt64(byte)
            } else {
                low = low << 8 | UInt64(byte)
            }
        }
        self.init(high: high, low: low)
    }

    /// Parses 32 hexadecimal digits (either case), as `description` prints them.
    /// - Parameter hex: the text; anything else gives `nil`.
    public init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count == 32 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        var index = 0
        while index < 32 {
            guard let upper = Self.hexValue(digits[index]), let lower = Self.hexValue(digits[index + 1]) else {
                return nil
            }
            bytes.append(upper << 4 | lower)
            index += 2
        }
        self.init(bytes: bytes)
    }

    /// The 16 bytes, big-endian: the form used in keys and encodings.
    public var bytes: [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(16)
        result.appendBigEndian(high)
        result.appendBigEndian(low)
        return result
    }

    /// 32 lowercase hexadecimal digits.
    public var description: String {
        let alphabet = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(32)
        for byte in bytes {
            text.append(alphabet[Int(byte >> 4)])
            text.append(alphabet[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Orders ids by their bytes, as keys containing them sort in the store.
    public static func < (a: Self, b: Self) -> Bool {
        (a.high, a.low) < (b.high, b.low)
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// A point in time: milliseconds since the Unix epoch, as stamped by the leader.
///
/// QueueModel never reads a clock; every timestamp it sees came inside a command.
public struct Timestamp: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var rawValue: UInt64
    /// Wraps milliseconds since the Unix epoch.
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    /// Wraps milliseconds since the Unix epoch.
    public init(millisecondsSinceEpoch: UInt64) { self.rawValue = millisecondsSinceEpoch }
    /// The epoch itself.
    public static let epoch = Timestamp(rawValue: 0)
    /// Orders timestamps chronologically.
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    /// `"<ms>ms"`, e.g. `1700000000000ms`.
    public var description: String { "\(rawValue)ms" }

    /// The timestamp `milliseconds` later, saturating at the largest value.
    /// - Parameter milliseconds: how far to move.
    /// - Returns: the later timestamp.
    public func adding(milliseconds: UInt64) -> Timestamp {
        let (sum, overflow) = rawValue.addingReportingOverflow(milliseconds)
        return Timestamp(rawValue: overflow ? .max : sum)
    }

    /// This time minus `milliseconds`, saturating at the epoch.
    public func subtracting(milliseconds: UInt64) -> Timestamp {
        Timestamp(rawValue: rawValue >= milliseconds ? rawValue - milliseconds : 0)
    }
}

/// The Raft log index of an applied command, independent of RaftCore's `LogIndex` so
/// QueueModel depends on nothing (the shell converts `LogIndex.rawValue`).
public struct AppliedIndex: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The numeric index.
    public var rawValue: UInt64
    /// Wraps a numeric index.
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    /// Wraps a numeric index.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    /// Index 0: nothing applied yet.
    public static let zero = AppliedIndex(0)
    /// Orders indexes.
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    /// `"i<n>"`, as RaftCore prints log indexes.
    public var description: String { "i\(rawValue)" }
}
