/// How long the cluster remembers producers' idempotency keys.
public struct IdempotencySettings: Equatable, Sendable {
    /// Seconds a key is remembered: a retry with the same key within this time gets the
    /// original message's id instead of a second message. Every node MUST use the same
    /// value (they read the same file); it decides what apply does.
    public var windowSeconds: Int

    /// The default window: 24 hours.
    public static let defaultWindowSeconds = 24 * 60 * 60

    /// Creates settings.
    public init(windowSeconds: Int = IdempotencySettings.defaultWindowSeconds) {
        self.windowSeconds = windowSeconds
    }
}
