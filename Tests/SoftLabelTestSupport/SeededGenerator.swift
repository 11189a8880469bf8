import Foundation

/// SplitMix64 (Vigna): a tiny seeded generator so that a random test's failures reproduce. One
/// copy for every test target (the product's own `Xoshiro256StarStar` is seeded with it too).
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension SeededGenerator {
    /// The seed of a randomized test: `SOFTLABEL_TEST_SEED` when set (to replay a failure), else
    /// `fallback`. Tests name the seed in their failure messages.
    public static func seed(default fallback: UInt64) -> UInt64 {
        if let text = getenv("SOFTLABEL_TEST_SEED").map({ String(cString: $0) }), let seed = UInt64(text) { return seed }
        return fallback
    }
}
