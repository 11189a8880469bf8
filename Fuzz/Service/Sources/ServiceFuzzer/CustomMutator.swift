/// libFuzzer's custom mutator: a third of the time libFuzzer's own byte mutations of the whole
/// input (the raw fallback, which also mutates the seed text and crosses inputs over), otherwise
/// an edit of the input's structure (`FuzzInput`): a new mutation appended (most often), one
/// changed or removed, another route or configuration, or libFuzzer's mutations on the seed
/// alone. Byte mutations by themselves rarely grow a mutation program by a whole 5-byte entry.
@_silgen_name("LLVMFuzzerMutate")
private func LLVMFuzzerMutate(_ data: UnsafeMutablePointer<UInt8>, _ size: Int, _ maxSize: Int) -> Int

@_cdecl("LLVMFuzzerCustomMutator")
public func customMutator(_ data: UnsafeMutablePointer<UInt8>?, _ size: Int, _ maxSize: Int, _ seed: UInt32) -> Int {
    guard let data else { return 0 }
    var random = SplitMix64(seed: UInt64(seed))
    if random.next() % 3 == 0 { return LLVMFuzzerMutate(data, size, maxSize) }
    var input = FuzzInput(Array(UnsafeBufferPointer(start: data, count: size)))
    let opCount = input.mutations.count / FuzzInput.mutationSize
    switch random.next() % 10 {
    case 0, 1, 2, 3:
        guard opCount < 255 else { return LLVMFuzzerMutate(data, size, maxSize) }
        let weighted = weightedMutations(input.fuzzRoute)
        let op = weighted[Int(random.next() % UInt64(weighted.count))].rawValue
        // Small selectors half the time: the first nodes (top-level fields) matter most.
        let selector = random.next() % 2 == 0 ? random.next() % 16 : random.next() % 65536
        let at = FuzzInput.mutationSize * Int(random.next() % UInt64(opCount + 1))
        input.mutations.insert(contentsOf: [op, UInt8(selector & 0xFF), UInt8(selector >> 8),
                                            UInt8(truncatingIfNeeded: random.next()), UInt8(truncatingIfNeeded: random.next())], at: at)
    case 4 where opCount > 0:
        input.mutations[Int(random.next() % UInt64(input.mutations.count))] = UInt8(truncatingIfNeeded: random.next())
    case 5 where opCount > 0:
        let at = FuzzInput.mutationSize * Int(random.next() % UInt64(opCount))
        input.mutations.removeSubrange(at..<(at + FuzzInput.mutationSize))
    case 6:
        input.route = UInt8(random.next() % UInt64(FuzzRoute.all.count))
    case 7:
        input.flags = UInt8(truncatingIfNeeded: random.next())
    default:
        var seed = Array(input.seed)
        let room = max(seed.count, maxSize - 3 - input.mutations.count)
        seed += [UInt8](repeating: 0, count: room - seed.count)
        let n = seed.withUnsafeMutableBufferPointer { LLVMFuzzerMutate($0.baseAddress!, input.seed.count, room) }
        input.seed = seed[..<n]
    }
    input.mutations.removeLast(input.mutations.count % FuzzInput.mutationSize)
    let out = input.encoded
    guard out.count <= maxSize else { return LLVMFuzzerMutate(data, size, maxSize) }
    out.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: out.count) }
    return out.count
}

/// Every mutation, and more often the edge-value ones (they are what finds bugs; the others
/// mostly reach new validation paths) and those that fit the route: state edits for merges,
/// binary and shape edits for inference.
private func weightedMutations(_ route: FuzzRoute) -> [Mutation] {
    let all = Mutation.allCases + [.edgeNumber, .edgeNumber, .edgeField, .edgeField, .edgeAll, .edgeAll]
    switch route {
    case .v1("/v1/calibration/merge"):
        return all + [.stateExtreme, .stateExtreme, .stateScale, .stateScale, .stateBins, .stateBins, .grow]
    case .infer:
        return all + [.shape, .shape, .binarySize, .headerLength, .binaryToggle, .outputs]
    case .v1:
        return all + [.outputs, .ragged]
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): the custom mutator's generator, seeded by libFuzzer.
struct SplitMix64 {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
