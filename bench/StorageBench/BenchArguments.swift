/// Command-line options of StorageBench.
struct BenchArguments {
    var directory = "/tmp"
    var seconds = 4.0
    var entries = 200_000

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            switch flag {
            case "--dir": directory = iterator.next() ?? directory
            case "--seconds": seconds = iterator.next().flatMap(Double.init) ?? seconds
            case "--entries": entries = iterator.next().flatMap(Int.init) ?? entries
            default: print("ignoring unknown argument \(flag)")
            }
        }
    }
}
