import Foundation

/// Prints `--json` output: one JSON object, keys sorted, on one line.
enum JSONOutput {
    /// Prints `object` to standard output.
    static func print(_ object: [String: Any]) {
        // NB: only strings, numbers, booleans, null, arrays and dictionaries reach here, so
        // serialization cannot fail.
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        Swift.print(String(decoding: data, as: UTF8.self))
    }
}
