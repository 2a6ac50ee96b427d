public import RaftCore

/// A request for part of a kept snapshot over the admin endpoint, made by a follower
/// installing it:
/// - `GET /v1/snapshots/<index>-<term>/manifest`
/// - `GET /v1/snapshots/<index>-<term>/files/<n>?offset=<bytes>&length=<bytes>`
public enum SnapshotBytesRequest: Sendable, Equatable {
    /// The snapshot's encoded manifest.
    case manifest(index: LogIndex, term: Term)
    /// A byte range of the manifest's `file`-th file.
    case file(index: LogIndex, term: Term, file: Int, offset: UInt64, length: Int)

    /// The largest range one request may ask for.
    public static let maxLength = 8 << 20

    /// The request target for this request.
    public var target: String {
        switch self {
        case .manifest(let index, let term):
            "/v1/snapshots/\(index.rawValue)-\(term.rawValue)/manifest"
        case .file(let index, let term, let file, let offset, let length):
            "/v1/snapshots/\(index.rawValue)-\(term.rawValue)/files/\(file)?offset=\(offset)&length=\(length)"
        }
    }

    /// Parses a request target; nil when it is not a snapshot request.
    /// - Parameter target: the path and query, as received.
    public init?(target: String) {
        let pieces = target.split(separator: "?", maxSplits: 1)
        let path = pieces.first.map { $0.split(separator: "/").map(String.init) } ?? []
        guard path.count >= 3, path[0] == "v1", path[1] == "snapshots",
              let (index, term) = SnapshotKeeper.parse(path[2]) else { return nil }
        if path.count == 4, path[3] == "manifest" {
            self = .manifest(index: index, term: term)
            return
        }
        var query: [String: String] = [:]
        for pair in pieces.dropFirst().first?.split(separator: "&") ?? [] {
            let kv = pair.split(separator: "=", maxSplits: 1)
            if kv.count == 2 { query[String(kv[0])] = String(kv[1]) }
        }
        guard path.count == 5, path[3] == "files", let file = Int(path[4]), file >= 0,
              // NB: at most Int64.max: a larger offset trapped in the seek (an off_t).
              let offset = query["offset"].flatMap({ UInt64($0) }), offset <= UInt64(Int64.max),
              let length = query["length"].flatMap({ Int($0) }), (1...Self.maxLength).contains(length) else { return nil }
        self = .file(index: index, term: term, file: file, offset: offset, length: length)
    }
}
