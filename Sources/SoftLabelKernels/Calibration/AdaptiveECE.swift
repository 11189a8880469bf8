/// Equal-mass (adaptive) binning of the top-label confidences (Nixon et al. 2019, "Measuring
/// Calibration in Deep Learning"; uncertainty-calibration's `get_equal_bins`/`split`).
///
/// Rows are sorted by confidence, ascending and stable (ties keep row order), and cut into
/// `groups` contiguous groups whose sizes differ by at most one, the larger groups first —
/// exactly `numpy.array_split(sorted, groups)`. The ECE formula then runs over the groups.
/// With groups > N the last groups are empty and count nothing. Needs the rows, so it is not
/// part of the mergeable state. Cost O(N log N) for the sort.
enum EqualMassBinning {
    /// The binned errors over the groups (nil without rows) and the reliability table, whose
    /// bin edges are the midpoints between neighbouring groups' extreme confidences
    /// (uncertainty-calibration's convention), 0 and 1 at the ends.
    static func evaluate(confidence: [Double], correct: [Bool], groups: Int) -> (errors: BinnedErrors?, reliability: [ReliabilityBin]) {
        let n = confidence.count
        precondition(correct.count == n && groups >= 1)
        // Sort (confidence, row) pairs in place: local comparisons, no indirection; the row
        // index breaks ties, which makes the unstable sort stable.
        var pairs = confidence.enumerated().map { (value: $0.element, row: $0.offset) }
        pairs.sort { $0.value < $1.value || ($0.value == $1.value && $0.row < $1.row) }
        let order = pairs.map(\.row)
        var count = [Int](repeating: 0, count: groups)
        var hits = [Int](repeating: 0, count: groups)
        var sums = [Double](repeating: 0, count: groups)
        var firstConfidence = [Double](repeating: 0, count: groups)
        var lastConfidence = [Double](repeating: 0, count: groups)
        let base = n / groups
        let larger = n % groups
        var position = 0
        for g in 0..<groups {
            let size = base + (g < larger ? 1 : 0)
            count[g] = size
            var sum = CompensatedSum()
            for i in position..<(position + size) {
                let row = order[i]
                sum.add(confidence[row])
                if correct[row] { hits[g] += 1 }
            }
            sums[g] = sum.value
            if size > 0 {
                firstConfidence[g] = confidence[order[position]]
                lastConfidence[g] = confidence[order[position + size - 1]]
            }
            position += size
        }
        var reliability = [ReliabilityBin]()
        reliability.reserveCapacity(groups)
        var lower = 0.0
        for g in 0..<groups {
            let upper: Double
            if g == groups - 1 {
                upper = 1
            } else if count[g] > 0 && count[g + 1] > 0 {
                upper = (lastConfidence[g] + firstConfidence[g + 1]) / 2
            } else {
                upper = count[g] > 0 ? lastConfidence[g] : lower
            }
            let nb = count[g]
            reliability.append(ReliabilityBin(lower: lower, upper: upper, count: nb,
                                              meanConfidence: nb > 0 ? sums[g] / Double(nb) : nil,
                                              accuracy: nb > 0 ? Double(hits[g]) / Double(nb) : nil))
            lower = upper
        }
        let errors = n > 0 ? BinnedErrors(count: count, correct: hits, confidenceSum: sums, total: n) : nil
        return (errors, reliability)
    }
}
