/// Latencies in nanoseconds in log-linear buckets: exact below 256 ns, then 128 buckets
/// per power of two, so a bucket's width is at most 1/128 (0.8%) of its lower bound.
/// Recording is an index computation and an increment; nothing allocates after `init`.
///
/// Invariant: `count` is the sum of `buckets`; `maximum` is the largest value recorded.
struct LatencyHistogram: Sendable {
    /// Sub-buckets per power of two (as bits): 2^7 = 128.
    private static let subBucketBits = 7
    private static let subBuckets = 1 << subBucketBits
    /// Values at or above this (about 18 minutes) are recorded as this.
    static let highestTrackable: UInt64 = (1 << 40) - 1
    private static let bucketCount = index(of: highestTrackable) + 1

    private var buckets: [UInt64]
    /// How many values were recorded.
    private(set) var count: UInt64 = 0
    /// The largest value recorded, exact.
    private(set) var maximum: UInt64 = 0

    /// Creates an empty histogram.
    init() {
        buckets = Array(repeating: 0, count: Self.bucketCount)
    }

    /// Records one latency.
    /// - Parameter nanoseconds: the latency.
    mutating func record(_ nanoseconds: UInt64) {
        let value = min(nanoseconds, Self.highestTrackable)
        buckets[Self.index(of: value)] &+= 1
        count &+= 1
        if value > maximum { maximum = value }
    }

    /// Adds another histogram's values to this one.
    /// - Parameter other: the histogram to add.
    mutating func merge(_ other: LatencyHistogram) {
        for index in buckets.indices { buckets[index] &+= other.buckets[index] }
        count &+= other.count
        maximum = max(maximum, other.maximum)
    }

    /// The value at `quantile`: the highest value of the bucket holding the value of
    /// rank ⌈quantile × count⌉, capped at `maximum`; 0 when nothing was recorded.
    /// - Parameter quantile: 0...1, e.g. 0.999.
    /// - Returns: nanoseconds.
    func value(atQuantile quantile: Double) -> UInt64 {
        guard count > 0 else { return 0 }
        let rank = max(1, UInt64((quantile * Double(count)).rounded(.up)))
        var seen: UInt64 = 0
        for (index, bucketCount) in buckets.enumerated() where bucketCount > 0 {
            seen += bucketCount
            if seen >= rank { return min(Self.highestValue(inBucket: index), maximum) }
        }
        return maximum
    }

    // MARK: - Bucket arithmetic

    /// The bucket of `value` (which is at most `highestTrackable`).
    static func index(of value: UInt64) -> Int {
        guard value >= UInt64(2 * subBuckets) else { return Int(value) }
        let highestBit = 63 - value.leadingZeroBitCount
        let shift = highestBit - subBucketBits
        let mantissa = Int(value >> UInt64(shift))
        return 2 * subBuckets + (shift - 1) * subBuckets + (mantissa - subBuckets)
    }

    /// The largest value that falls in bucket `index`.
    static func highestValue(inBucket index: Int) -> UInt64 {
        guard index >= 2 * subBuckets else { return UInt64(index) }
        let offset = index - 2 * subBuckets
        let shift = offset / subBuckets + 1
        let mantissa = UInt64(offset % subBuckets + subBuckets)
        return ((mantissa + 1) << UInt64(shift)) - 1
    }
}
