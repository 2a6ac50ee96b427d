/// A configuration problem, phrased as one line an operator can act on:
/// `cluster.json: nodes[2].peerAddress: "10.0.0.1" has no port`.
public struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file as the operator named it.
    public var file: String
    /// The key path inside the file (`nodes[2].peerAddress`), empty for the whole file.
    public var keyPath: String
    /// What is wrong.
    public var message: String

    /// Creates an error.
    public init(file: String, keyPath: String, message: String) {
        self.file = file
        self.keyPath = keyPath
        self.message = message
    }

    public var description: String {
        keyPath.isEmpty ? "\(file): \(message)" : "\(file): \(keyPath): \(message)"
    }

    /// The exit code for a configuration error: 2, like any usage error.
    public static let exitCode: Int32 = 2
}
