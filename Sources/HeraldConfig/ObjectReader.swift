/// Reads one JSON object of a config file, tracking the key path for error messages.
/// `rejectUnknownKeys(known:)` reports a key the schema does not have.
struct ObjectReader {
    let file: String
    let path: String
    private let members: [JSONValue.Member]

    /// Wraps `value`, which must be an object, after checking for duplicate keys.
    init(_ value: JSONValue, file: String, path: String) throws(ConfigError) {
        self.file = file
        self.path = path
        guard case .object(let members) = value else {
            throw ConfigError(file: file, keyPath: path, message: "expected an object, found \(value.kindDescription)")
        }
        var seen: Set<String> = []
        for member in members where !seen.insert(member.key).inserted {
            throw ConfigError(file: file, keyPath: Self.join(path, member.key),
                              message: "duplicate key (\(member.position))")
        }
        self.members = members
    }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func keyPath(_ key: String) -> String { Self.join(path, key) }

    func error(_ key: String, _ message: String) -> ConfigError {
        ConfigError(file: file, keyPath: keyPath(key), message: message)
    }

    /// The value at `key`, or nil when absent.
    func optional(_ key: String) -> JSONValue? {
        return members.first { $0.key == key }?.value
    }

    /// The value at `key`.
    func required(_ key: String) throws(ConfigError) -> JSONValue {
        guard let value = optional(key) else { throw error(key, "missing required key") }
        return value
    }

    func string(_ key: String) throws(ConfigError) -> String {
        try Self.string(try required(key), at: self, key)
    }

    func optionalString(_ key: String) throws(ConfigError) -> String? {
        guard let value = optional(key) else { return nil }
        return try Self.string(value, at: self, key)
    }

    private static func string(_ value: JSONValue, at reader: ObjectReader, _ key: String) throws(ConfigError) -> String {
        guard case .string(let text) = value else {
            throw reader.error(key, "expected a string, found \(value.kindDescription)")
        }
        guard !text.isEmpty else { throw reader.error(key, "must not be empty") }
        return text
    }

    /// An integer within `range`.
    func integer(_ key: String, in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        let value = try required(key)
        guard case .number(let text) = value else {
            throw error(key, "expected an integer, found \(value.kindDescription)")
        }
        guard let number = Int(text) else {
            throw error(key, "expected an integer, found \(text)")
        }
        guard range.contains(number) else {
            throw error(key, "\(number) is out of range (\(range.lowerBound)-\(range.upperBound))")
        }
        return number
    }

    /// An integer within `range`, or `default` when the key is absent.
    func optionalInteger(_ key: String, in range: ClosedRange<Int>, default fallback: Int) throws(ConfigError) -> Int {
        optional(key) == nil ? fallback : try integer(key, in: range)
    }

    /// An address `host:port`.
    func endpoint(_ key: String) throws(ConfigError) -> Endpoint {
        let text = try string(key)
        do {
            return try Endpoint.parse(text)
        } catch {
            throw self.error(key, error.reason)
        }
    }

    /// An array's elements.
    func array(_ key: String) throws(ConfigError) -> [JSONValue] {
        let value = try required(key)
        guard case .array(let elements) = value else {
            throw error(key, "expected an array, found \(value.kindDescription)")
        }
        return elements
    }

    /// Fails on the first key that is not in `known`, suggesting the nearest known key.
    func rejectUnknownKeys(known: [String]) throws(ConfigError) {
        for member in members where !known.contains(member.key) {
            var message = "unknown key"
            if let near = known.min(by: { editDistance($0, member.key) < editDistance($1, member.key) }),
               editDistance(near, member.key) <= 3 {
                message += " (did you mean \"\(near)\"?)"
            }
            throw error(member.key, message)
        }
    }
}

/// Levenshtein distance, for "did you mean" hints on misspelt keys.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.lowercased()), b = Array(b.lowercased())
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var row = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = row
    }
    return previous[b.count]
}
