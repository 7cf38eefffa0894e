/// Latency statistics computed as `Benchmarks/c/bench-common.c` computes them.
public enum Percentiles {
    /// The sample at `percentile` (0-100) of `samples` after sorting: index
    /// round(percentile / 100 * (count - 1)).
    public static func value(_ percentile: Double, of samples: [UInt64]) -> UInt64 {
        guard !samples.isEmpty else { return 0 }
        let sorted = samples.sorted()
        let index = Int((percentile / 100 * Double(sorted.count - 1) + 0.5).rounded(.down))
        return sorted[index]
    }
}
