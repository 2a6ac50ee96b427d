#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Progress and problems go to standard error, so standard output holds only the report.
enum StandardError {
    /// Writes one line to standard error in one `write(2)`, so lines from different
    /// threads do not interleave.
    /// - Parameter line: the text, without a newline.
    static func write(_ line: String) {
        let bytes = Array("herald-loadgen: \(line)\n".utf8)
        bytes.withUnsafeBytes { raw in
            #if canImport(Glibc)
            _ = Glibc.write(2, raw.baseAddress, raw.count)
            #else
            _ = Darwin.write(2, raw.baseAddress, raw.count)
            #endif
        }
    }
}
