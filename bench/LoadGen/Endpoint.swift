/// A `host:port` the generator connects to.
struct Endpoint: Hashable, Sendable, CustomStringConvertible {
    /// A name or an address literal.
    var host: String
    /// The TCP port.
    var port: Int

    /// Parses `host:port` (`[v6]:port` for an IPv6 literal).
    /// - Parameter text: the endpoint as written on the command line.
    /// - Returns: `nil` unless the text has a host and a port in 1...65535.
    init?(parsing text: Substring) {
        let trimmed = text.trimmingSpaces
        guard let colon = trimmed.lastIndex(of: ":") else { return nil }
        var host = trimmed[..<colon]
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty, let port = Int(trimmed[trimmed.index(after: colon)...]), (1...65535).contains(port) else {
            return nil
        }
        self.host = String(host)
        self.port = port
    }

    /// Parses a comma-separated list of endpoints.
    /// - Parameter list: `host:port,host:port,...`.
    /// - Returns: `nil` when the list is empty or any entry does not parse.
    static func parseList(_ list: String) -> [Endpoint]? {
        let endpoints = list.split(separator: ",").map { Endpoint(parsing: $0) }
        guard !endpoints.isEmpty, endpoints.allSatisfy({ $0 != nil }) else { return nil }
        return endpoints.compactMap { $0 }
    }

    var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

extension Substring {
    /// The text without leading and trailing spaces.
    fileprivate var trimmingSpaces: Substring {
        var text = self
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return text
    }
}
