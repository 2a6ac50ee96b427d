/// Command-line options of StorageBench.
struct BenchArguments: Sendable {
    var directory = "/tmp"
    var seconds = 4.0
    var entries = 200_000
    var only: Set<String> = ["raw", "log", "state"]
    var verbose = false

    func runs(_ part: String) -> Bool { only.contains(part) }

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            switch flag {
            case "--dir": directory = iterator.next() ?? directory
            case "--seconds": seconds = iterator.next().flatMap(Double.init) ?? seconds
            case "--entries": entries = iterator.next().flatMap(Int.init) ?? entries
            case "--only": only = Set((iterator.next() ?? "").split(separator: ",").map(String.init))
            case "--verbose": verbose = true
            default: print("ignoring unknown argument \(flag)")
            }
        }
    }
}
