import Foundation
import NIOCore
import NIOPosix

/// Short, readable reasons for failed connection attempts: `Connection refused` rather
/// than NIO's full `NIOConnectionError` dump.
enum ConnectFailureDescription {
    /// One phrase describing why connecting failed.
    static func describe(_ error: any Error) -> String {
        if let connection = error as? NIOConnectionError {
            if let first = connection.connectionErrors.first { return describe(first.error) }
            if let dnsError = connection.dnsAError ?? connection.dnsAAAAError { return "cannot resolve host: \(dnsError)" }
            return "no address to connect to"
        }
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)) }
        if error is ChannelError { return "\(error)" }
        return "\(error)"
    }
}
