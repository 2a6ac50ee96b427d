/// Polls `condition` every 10 ms until it holds or `limit` passes.
/// - Returns: whether it held in time.
func waitUntil(within limit: Duration = .seconds(20), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}
