import ServiceLifecycle

/// Runs `RaftService<QueueApplier>` as a service through a call site that names the
/// applier type.
///
/// NB: a service group calls `run()` through the `Service` protocol, which reaches the
/// generic, unspecialized body of `RaftService.run()`; there every use of the applier's
/// types looked up generic metadata at run time (about 5 % of a node's CPU in profiles).
/// From here the compiler specializes the whole loop for `QueueApplier`.
struct SpecializedRaftService: Service {
    let raft: RaftService<QueueApplier>

    func run() async throws {
        try await raft.run()
    }
}
