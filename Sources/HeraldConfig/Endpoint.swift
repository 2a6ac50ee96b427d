/// A `host:port` address from the configuration. IPv6 literals are written in
/// brackets (`[::1]:7101`).
public struct Endpoint: Hashable, Sendable, CustomStringConvertible {
    /// A host name, an IPv4 literal or an IPv6 literal (without brackets).
    public var host: String
    /// The TCP port, 1–65535.
    public var port: Int

    /// Creates an endpoint.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Parses `host:port`.
    /// - Parameter text: the address as written.
    /// - Returns: the endpoint.
    /// - Throws: a sentence saying what is wrong, quoting the text.
    public static func parse(_ text: String) throws(EndpointParseError) -> Endpoint {
        let quoted = "\"\(text)\""
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw EndpointParseError(reason: "\(quoted) has an unclosed '['")
            }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw EndpointParseError(reason: "\(quoted) has no port") }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw EndpointParseError(reason: "\(quoted) has no port")
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") {
                throw EndpointParseError(reason: "\(quoted): write IPv6 addresses in brackets, like [::1]:7101")
            }
        }
        guard !host.isEmpty else { throw EndpointParseError(reason: "\(quoted) has no host") }
        guard host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".-:_".contains($0)) }) else {
            throw EndpointParseError(reason: "\(quoted) has an invalid host")
        }
        guard !portText.isEmpty else { throw EndpointParseError(reason: "\(quoted) has no port") }
        guard portText.allSatisfy(\.isASCII), let port = Int(portText), (1...65535).contains(port) else {
            throw EndpointParseError(reason: "\(quoted) has an invalid port (expected 1-65535)")
        }
        return Endpoint(host: String(host).lowercased(), port: port)
    }
}

/// Why an address did not parse.
public struct EndpointParseError: Error, Equatable, Sendable {
    /// The sentence for the operator.
    public var reason: String
}
