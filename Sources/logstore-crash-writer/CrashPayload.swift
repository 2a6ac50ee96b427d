/// The payload the crash writer stores at each index (the tests keep a copy of this
/// function): sizes from 1 byte to ~3 KiB, compressible, different for every index.
enum CrashPayload {
    static func bytes(for index: UInt64) -> [UInt8] {
        let size = Int(1 + (index &* 7919) % 3000)
        return (0..<size).map { UInt8(truncatingIfNeeded: index &+ UInt64($0 / 16)) }
    }
}
