/// Constants of the NATS client protocol shared by the load sessions and stream setup.
enum NATSProtocol {
    /// The `CONNECT` line: no `+OK` after each command, no header support (replies are
    /// plain `MSG`s).
    static let connectLine = "CONNECT {\"verbose\":false,\"pedantic\":false,\"headers\":false,\"name\":\"herald-loadgen\",\"lang\":\"swift\",\"version\":\"1\",\"protocol\":1}\r\n"
    /// The JetStream stream the load publishes into.
    static let streamName = "BENCH"
    /// The subjects the stream captures.
    static let streamSubjects = "bench.>"
}
