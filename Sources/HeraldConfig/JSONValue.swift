/// A parsed JSON value that keeps what a config loader needs and `JSONSerialization`
/// loses: the order of object keys, duplicate keys, the exact kind of a number
/// (so `3` and `3.5` and `true` stay distinct), and where each value sits in the file.
public indirect enum JSONValue: Equatable, Sendable {
    /// An object's members in file order (duplicates kept so they can be reported).
    case object([Member])
    /// An array's elements.
    case array([JSONValue])
    /// A string.
    case string(String)
    /// A number, as written in the file.
    case number(String)
    /// `true` or `false`.
    case bool(Bool)
    /// `null`.
    case null

    /// One `"key": value` pair of an object.
    public struct Member: Equatable, Sendable {
        /// The key.
        public var key: String
        /// The value.
        public var value: JSONValue
        /// Where the key starts in the file.
        public var position: TextPosition
    }

    /// What the value is, in words, for error messages ("a string", "an object").
    public var kindDescription: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        }
    }
}

/// A line and column in a text file, both counted from 1.
public struct TextPosition: Equatable, Sendable, CustomStringConvertible {
    /// The line, from 1.
    public var line: Int
    /// The column, from 1, in UTF-8 bytes.
    public var column: Int
    public var description: String { "line \(line), column \(column)" }
}
