/// The result of `--verify-acks`: how many recorded items were looked up and which are
/// missing.
struct VerifyReport {
    /// The merged counts.
    var counts: ConnectionReport

    /// `{"checked":N,"missing":M,"missing_examples":[...],"unverified":U}`.
    var json: String {
        let examples = counts.missingExamples.map(Format.jsonString).joined(separator: ",")
        return "{\"checked\":\(counts.checked),\"missing\":\(counts.missing),\"missing_examples\":[\(examples)],"
            + "\"unverified\":\(counts.unverified)}"
    }

    /// The process's exit status: 1 when any item is missing, 2 when none is missing but
    /// some could not be checked, else 0.
    var exitStatus: Int32 {
        if counts.missing > 0 { return 1 }
        return counts.unverified > 0 ? 2 : 0
    }
}
