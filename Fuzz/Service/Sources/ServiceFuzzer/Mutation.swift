/// The structure-aware mutations: each takes a selector (which node, among the nodes it applies
/// to, in pre-order) and two argument bytes `a`, `b`, and edits the request tree or the binary
/// knobs. An input's mutation bytes are a program of these (see `FuzzInput`); libFuzzer mutates
/// that program and the seed text, and keeps what reaches new code.
enum Mutation: UInt8, CaseIterable {
    /// A number (or non-JSON number text) becomes `Edge.numbers[a]`.
    case edgeNumber
    /// A work-sizing field (of the route's, or when `a & 0x80` of all `Edge.sizeFields`) is set to
    /// an edge value of its type (`Edge.value(for:_:)`): at the top level of
    /// a v1 request, in a calibration state of a merge, in the `parameters` of an inference
    /// request, or (`binary_data_size`) in an input tensor's `parameters`.
    case edgeField
    /// Every number below an array becomes the same edge value (every other one when `b` is odd).
    case edgeAll
    /// One row of a matrix loses its last value, gains one, or becomes empty.
    case ragged
    /// An array is emptied, loses or gains an element, is truncated, reversed, or gets a null.
    case resize
    /// An array is repeated up to 2^(a mod 17) + b elements (bounded by `maxNodes`).
    case grow
    case dropField
    /// A field appears twice (after itself or at the end; with an edge value when `b & 2`).
    case duplicateField
    /// A value becomes null, a bool, a string, {}, [], or is wrapped in an array or object.
    case changeType
    case setString
    case addField
    /// A node is replaced by a copy of another node of the same request.
    case copySubtree
    /// A count or sum of a calibration state (`Edge.stateArithmeticKeys[a]`) gets
    /// `Edge.stateValues[b]`: all entries of an array, or one of them when `b & 0x80`.
    case stateExtreme
    /// Every count and sum of a state (of all states when `b` is odd) times 2^(a mod 54), capped
    /// below 2^53: states that stay consistent while their merged totals grow without bound.
    case stateScale
    /// A `shape` gets an edge dimension, an extra one, loses one, or becomes [].
    case shape
    /// Input tensor `a mod 8` flips between JSON `data` and binary data.
    case binaryToggle
    /// Input tensor `a mod 8` declares a wrong `binary_data_size`.
    case binarySize
    /// The `Inference-Header-Content-Length` is moved, zero, huge, or absent.
    case headerLength
    /// Bytes after the body (after the binary section on a binary route).
    case trailing
    /// The requested outputs (`outputs` of an inference request, `return` of /v1/loss) and
    /// `binary_data` / `binary_data_output`.
    case outputs
    /// A number is rewritten as other text: `1.0`, `1e0`, a 700-digit mantissa, a shifted exponent.
    case numberText
    /// A value is wrapped in arrays (up to 80 deep) or an object, while the request is less than
    /// `maxDepth` deep.
    case nest
    /// A field moves to another place in its object (tensors are decoded in place or deferred
    /// depending on whether `data` comes after `name`, `datatype` and `shape`).
    case moveField
    /// A state gets `Edge.stateBins[a]` bins with every per-bin and per-class-bin array resized
    /// to match (so that it passes the shape checks and reaches the arithmetic); when `b` is odd
    /// its per-bin counts are all `Edge.stateValues[b / 2]`.
    case stateBins

    /// Deepest nesting `nest` adds to.
    static let maxDepth = 160

    /// Largest number of nodes `grow` builds (keeps each input's run short: every later mutation
    /// walks the tree, so at 2^18 nodes one input took 2 s alone and over 30 s on a loaded
    /// machine, a libFuzzer timeout spent in this harness, not in the service).
    static let maxNodes = 1 << 14
}

/// Per-request settings the binary encoding reads (set by the binary mutations).
struct BinaryKnobs {
    enum HeaderLength {
        /// The JSON's length on a binary route; absent on a JSON route.
        case standard
        /// The JSON's length plus this (clamped at 0).
        case offset(Int)
        case fixed(Int)
        case absent
    }

    enum SizeOverride {
        case delta(Int)
        case value(FuzzJSON)
    }

    /// Input indices whose encoding differs from the route's (JSON on a binary route, binary on a
    /// JSON route).
    var toggled: Set<Int> = []
    var sizeOverrides: [Int: SizeOverride] = [:]
    var headerLength = HeaderLength.standard
    var trailing: [UInt8] = []
}

/// Applies mutations to one request.
struct Mutator {
    var tree: FuzzJSON
    let route: FuzzRoute
    var knobs = BinaryKnobs()

    init(tree: FuzzJSON, route: FuzzRoute) {
        self.tree = tree
        self.route = route
    }

    mutating func apply(_ op: UInt8, selector: Int, a: UInt8, b: UInt8) {
        let all = Mutation.allCases
        let mutation = all[Int(op) % all.count]
        switch mutation {
        case .edgeNumber:
            at(selector, where: Self.isNumber) { $0 = Edge.number(Int(a)) }
        case .edgeField:
            let fields = a & 0x80 == 0 ? Edge.sizeFields(for: route) : Edge.sizeFields
            let field = fields[Int(a & 0x7F) % fields.count]
            edgeField(field, Edge.value(for: field, b), selector: selector)
        case .edgeAll:
            let value = Edge.number(Int(a))
            at(selector, where: Self.isArray) { node in
                var i = 0
                Self.mapLeaves(&node) { leaf in
                    defer { i += 1 }
                    if b & 1 == 0 || i % 2 == 0 { leaf = value }
                }
            }
        case .ragged:
            at(selector, where: Self.isMatrix) { node in
                guard case .array(var rows) = node, !rows.isEmpty else { return }
                let r = Int(b) % rows.count
                guard case .array(var row) = rows[r] else { return }
                switch a % 3 {
                case 0: if !row.isEmpty { row.removeLast() }
                case 1: row.append(row.first ?? .number("0"))
                default: row = []
                }
                rows[r] = .array(row)
                node = .array(rows)
            }
        case .resize:
            at(selector, where: Self.isArray) { node in
                guard case .array(var e) = node else { return }
                let i = e.isEmpty ? 0 : Int(b) % e.count
                switch a % 6 {
                case 0: e = []
                case 1: if !e.isEmpty { e.remove(at: i) }
                case 2: e.append(e.isEmpty ? .number("0") : e[i])
                case 3: e = Array(e.prefix(i))
                case 4: e.reverse()
                default: e.insert(.null, at: i)
                }
                node = .array(e)
            }
        case .grow:
            at(selector, where: { if case .array(let e) = $0 { return !e.isEmpty } else { return false } }) { node in
                guard case .array(let e) = node else { return }
                let perElement = max(1, node.count(where: { _ in true }, limit: Mutation.maxNodes) / e.count)
                let wanted = (1 << Int(a % 17)) + Int(b)
                let n = min(wanted, Mutation.maxNodes / perElement)
                guard n > e.count else { return }
                node = .array((0..<n).map { e[$0 % e.count] })
            }
        case .dropField:
            at(selector, where: Self.isNonEmptyObject) { node in
                guard case .object(var o) = node else { return }
                o.remove(at: Int(a) % o.count)
                node = .object(o)
            }
        case .duplicateField:
            at(selector, where: Self.isNonEmptyObject) { node in
                guard case .object(var o) = node else { return }
                let i = Int(a) % o.count
                var entry = o[i]
                if b & 2 != 0 { entry.value = Edge.number(Int(b >> 2)) }
                if b & 1 != 0 { o.append(entry) } else { o.insert(entry, at: i + 1) }
                node = .object(o)
            }
        case .changeType:
            // The root too, but rarely: most inputs should reach the endpoint's field decoding.
            let n = tree.count(where: { _ in true })
            let index = n > 1 ? 1 + selector % (n - 1) : 0
            at(index, where: { _ in true }) { node in
                let replacements: [FuzzJSON] = [
                    .null, .bool(true), .bool(false), .string("1"), .object([]), .array([]), .array([node]),
                    .object([("x", node)]), .number("1"), .raw("NaN"),
                ]
                node = replacements[Int(a) % replacements.count]
            }
        case .setString:
            at(selector, where: { if case .string = $0 { return true } else { return false } }) {
                $0 = .string(Edge.strings[(Int(a) + 256 * Int(b & 1)) % Edge.strings.count])
            }
        case .addField:
            at(selector, where: Self.isObject) { $0.set(Edge.keys[Int(a) % Edge.keys.count], Edge.value(b)) }
        case .copySubtree:
            let n = tree.count(where: { _ in true })
            guard let source = tree.path(ofMatch: (Int(a) | Int(b) << 8) % n, where: { _ in true }),
                  let copy = tree.node(at: source[...]) else { return }
            at(selector, where: { _ in true }) { $0 = copy }
        case .stateExtreme:
            let key = Edge.stateArithmeticKeys[Int(a) % Edge.stateArithmeticKeys.count]
            let text = Edge.stateValues[Int(b & 0x7F) % Edge.stateValues.count]
            let value = Edge.jsonOrRaw(text)
            inState(selector) { state in
                guard let current = state[key] else {
                    state.set(key, value)
                    return
                }
                if case .array(var e) = current, !e.isEmpty {
                    if b & 0x80 != 0 {
                        e[(selector >> 8) % e.count] = value
                    } else {
                        e = e.map { _ in value }
                    }
                    state.set(key, .array(e))
                } else {
                    state.set(key, value)
                }
            }
        case .stateScale:
            let factor = Double(sign: .plus, exponent: Int(a % 54), significand: 1)
            let scale: (inout FuzzJSON) -> Void = { state in Self.scaleState(&state, by: factor) }
            if b & 1 != 0 {
                for path in tree.paths(where: Self.isState) { tree.modify(at: path[...], scale) }
            } else {
                inState(selector, scale)
            }
        case .shape:
            let shapes = tree.paths(valuesOfKey: "shape")
            guard !shapes.isEmpty else { return }
            tree.modify(at: shapes[selector % shapes.count][...]) { node in
                guard case .array(var dims) = node else {
                    node = .array([.number(Edge.dimensions[Int(b) % Edge.dimensions.count])])
                    return
                }
                let value = Edge.dimensions[Int(b) % Edge.dimensions.count]
                let v = Edge.jsonOrRaw(value)
                switch a % 4 {
                case 0: if dims.isEmpty { dims = [v] } else { dims[(selector >> 8) % dims.count] = v }
                case 1: dims.append(v)
                case 2: if !dims.isEmpty { dims.remove(at: (selector >> 8) % dims.count) }
                default: dims = []
                }
                node = .array(dims)
            }
        case .binaryToggle:
            knobs.toggled.formSymmetricDifference([Int(a % 8)])
        case .binarySize:
            let override: BinaryKnobs.SizeOverride
            switch b & 3 {
            case 0: override = .delta(Int(Int8(bitPattern: b)) >> 2)
            case 1: override = .value(.number(Edge.dimensions[Int(b >> 2) % Edge.dimensions.count]))
            case 2: override = .value(Edge.number(Int(b >> 2)))
            default: override = .delta(b & 4 == 0 ? -1 : 1)
            }
            knobs.sizeOverrides[Int(a % 8)] = override
        case .headerLength:
            switch a % 6 {
            case 0: knobs.headerLength = .standard
            case 1: knobs.headerLength = .offset(Int(b))
            case 2: knobs.headerLength = .offset(-Int(b))
            case 3: knobs.headerLength = .fixed(Int(b))
            case 4: knobs.headerLength = .absent
            default: knobs.headerLength = .fixed(999_999_999_999_999_999 - Int(b))
            }
        case .trailing:
            let patterns: [UInt8] = [0, 0xFF, 0x20, UInt8(ascii: "}"), UInt8(ascii: "0"), 0x80]
            let byte = patterns[Int(a) % patterns.count]
            knobs.trailing += [UInt8](repeating: byte, count: Int(b))
        case .outputs:
            outputs(mask: selector | Int(a & 0x7F) << 16, binary: b, setDefault: a & 0x80 != 0)
        case .numberText:
            at(selector, where: { if case .number = $0 { return true } else { return false } }) { node in
                guard case .number(let t) = node else { return }
                let isInteger = !t.contains(".") && !t.contains("e") && !t.contains("E")
                switch a % 8 {
                case 0: node = .number(isInteger ? t + ".0" : t + "0")
                case 1: node = .number(isInteger || !t.contains("e") ? t + "e0" : t)
                case 2: node = .number(t.contains("e") || t.contains("E") ? t : t + "E+000")
                case 3: node = .number(t.hasPrefix("-") ? String(t.dropFirst()) : "-" + t)
                case 4: node = .raw("0" + t)
                case 5:
                    let zeros = String(repeating: "0", count: Int(b) * 4)
                    node = .number(t.contains("e") || t.contains("E") ? t : (isInteger ? t + "." + zeros + "1" : t + zeros + "1"))
                case 6: node = .number(t.contains("e") || t.contains("E") ? t : t + "e\(Int(Int8(bitPattern: b)))")
                default: node = .number("1e-\(300 + Int(b))")
                }
            }
        case .nest:
            // Deeper than the service's limit (64) is enough; this keeps the fuzzer's own
            // recursion far from the stack's end.
            guard tree.depth(limit: Mutation.maxDepth) < Mutation.maxDepth else { return }
            at(selector, where: { _ in true }) { node in
                switch a % 3 {
                case 0: node = .array([node])
                case 1: node = .object([("x", node)])
                default: for _ in 0...(Int(b) % 80) { node = .array([node]) }
                }
            }
        case .stateBins:
            let bins = Edge.stateBins[Int(a) % Edge.stateBins.count]
            let fill: FuzzJSON? = b & 1 != 0 ? Edge.jsonOrRaw(Edge.stateValues[Int(b >> 1) % Edge.stateValues.count]) : nil
            inState(selector) { state in Self.resizeState(&state, bins: bins, fill: fill) }
        case .moveField:
            at(selector, where: Self.isNonEmptyObject) { node in
                guard case .object(var o) = node else { return }
                let entry = o.remove(at: Int(a) % o.count)
                o.insert(entry, at: Int(b) % (o.count + 1))
                node = .object(o)
            }
        }
    }

    // MARK: Targets

    /// Applies `change` to the `selector`-th node (mod their count) matching `filter`.
    private mutating func at(_ selector: Int, where filter: (FuzzJSON) -> Bool, _ change: (inout FuzzJSON) -> Void) {
        let n = tree.count(where: filter)
        guard n > 0, let path = tree.path(ofMatch: selector % n, where: filter) else { return }
        tree.modify(at: path[...], change)
    }

    /// Applies `change` to a calibration state (an object with `bin_count`), or to the root.
    private mutating func inState(_ selector: Int, _ change: (inout FuzzJSON) -> Void) {
        let states = tree.paths(where: Self.isState)
        let path = states.isEmpty ? [] : states[selector % states.count]
        tree.modify(at: path[...], change)
    }

    private mutating func edgeField(_ field: String, _ value: FuzzJSON, selector: Int) {
        let wrapped: FuzzJSON = (field == "top_k" || field == "coverages") && selector & 1 != 0 ? .array([value]) : value
        switch route {
        case .infer:
            if field == "binary_data_size" {
                let inputs = tree.paths(elementsOfKey: "inputs")
                guard !inputs.isEmpty else { return }
                tree.modify(at: inputs[(selector >> 1) % inputs.count][...]) { input in
                    var parameters = input["parameters"] ?? .object([])
                    if case .object = parameters {} else { parameters = .object([]) }
                    parameters.set(field, wrapped)
                    input.set("parameters", parameters)
                }
            } else {
                var parameters = tree["parameters"] ?? .object([])
                if case .object = parameters {} else { parameters = .object([]) }
                parameters.set(field, wrapped)
                tree.set("parameters", parameters)
            }
        case .v1:
            if Edge.stateKeys.contains(field), !tree.paths(where: Self.isState).isEmpty {
                inState(selector >> 1) { $0.set(field, wrapped) }
            } else {
                tree.set(field, wrapped)
            }
        }
    }

    private mutating func outputs(mask: Int, binary: UInt8, setDefault: Bool) {
        let names = Edge.outputNames.enumerated().filter { mask & (1 << $0.offset) != 0 }.map(\.element)
        switch route {
        case .infer:
            var list: [FuzzJSON] = []
            for (i, name) in names.enumerated() {
                var o: FuzzJSON = .object([("name", .string(name))])
                if binary & (1 << (i % 7)) != 0 {
                    o.set("parameters", .object([("binary_data", .bool(binary & 0x80 != 0 || i % 2 == 0))]))
                }
                list.append(o)
            }
            tree.set("outputs", .array(list))
            if setDefault {
                var parameters = tree["parameters"] ?? .object([])
                if case .object = parameters {} else { parameters = .object([]) }
                parameters.set("binary_data_output", .bool(binary & 1 != 0))
                tree.set("parameters", parameters)
            }
        case .v1:
            tree.set("return", .array(names.map(FuzzJSON.string)))
        }
    }

    // MARK: Node kinds

    static func isNumber(_ n: FuzzJSON) -> Bool {
        switch n {
        case .number, .raw: true
        default: false
        }
    }

    static func isArray(_ n: FuzzJSON) -> Bool {
        if case .array = n { return true }
        return false
    }

    static func isObject(_ n: FuzzJSON) -> Bool {
        if case .object = n { return true }
        return false
    }

    static func isNonEmptyObject(_ n: FuzzJSON) -> Bool {
        if case .object(let o) = n { return !o.isEmpty }
        return false
    }

    /// An array with at least one array element (a matrix, or nested tensor data).
    static func isMatrix(_ n: FuzzJSON) -> Bool {
        if case .array(let e) = n { return e.contains { if case .array = $0 { return true } else { return false } } }
        return false
    }

    static func isState(_ n: FuzzJSON) -> Bool { n["bin_count"] != nil }

    static func mapLeaves(_ node: inout FuzzJSON, _ f: (inout FuzzJSON) -> Void) {
        switch node {
        case .array(var e):
            node = .null
            for i in e.indices { mapLeaves(&e[i], f) }
            node = .array(e)
        case .object(var o):
            node = .null
            for i in o.indices { mapLeaves(&o[i].value, f) }
            node = .object(o)
        default:
            f(&node)
        }
    }

    /// `bins` bins: per-bin arrays of the edge rule's bin count, per-class-bin arrays of
    /// num_classes × bins entries (at most `maxNodes` / 4), existing entries repeated; per-bin
    /// counts all `fill` when given.
    static func resizeState(_ state: inout FuzzJSON, bins: Int, fill: FuzzJSON?) {
        let classes: Int
        if case .number(let t)? = state["num_classes"], let k = Int(t), k > 0 { classes = k } else { classes = 1 }
        let perBin = max(0, state["edge_rule"] == .string("separate_one") ? bins + 1 : bins)
        let perClassBin = max(0, min(classes.multipliedReportingOverflow(by: bins).partialValue, Mutation.maxNodes / 4))
        func resized(_ key: String, _ n: Int) {
            guard case .array(let e)? = state[key] else { return }
            state.set(key, .array((0..<n).map { e.isEmpty ? .number("0") : e[$0 % e.count] }))
        }
        state.set("bins", .number(String(bins)))
        for key in ["bin_count", "bin_correct", "bin_confidence_sum"] { resized(key, perBin) }
        for key in ["class_bin_count", "class_bin_positives", "class_bin_probability_sum"] { resized(key, perClassBin) }
        if let fill { state.set("bin_count", .array(Array(repeating: fill, count: perBin))) }
    }

    /// Counts × factor (exact integers, capped at 2^53 − 1), sums × factor.
    static func scaleState(_ state: inout FuzzJSON, by factor: Double) {
        guard case .object(var o) = state else { return }
        for i in o.indices {
            let isCount = Edge.stateCountKeys.contains(o[i].key)
            guard isCount || Edge.stateSumKeys.contains(o[i].key) else { continue }
            mapLeaves(&o[i].value) { leaf in
                guard let v = leaf.doubleValue, v.isFinite else { return }
                let scaled = v * factor
                if isCount {
                    let capped = Swift.max(-9_007_199_254_740_991, Swift.min(scaled, 9_007_199_254_740_991))
                    leaf = .number(String(Int64(capped.rounded(.towardZero))))
                } else if scaled.isFinite {
                    leaf = .number("\(scaled)")
                }
            }
        }
        state = .object(o)
    }
}

extension FuzzJSON {
    /// Index paths of the nodes matching `filter`, in pre-order (at most `limit`).
    func paths(where filter: (FuzzJSON) -> Bool, limit: Int = 1 << 16) -> [[Int]] {
        var out: [[Int]] = []
        forEachNode { node, path in
            if filter(node) { out.append(path) }
            return out.count < limit
        }
        return out
    }

    /// Paths of the values of every `key` entry (at any depth).
    func paths(valuesOfKey key: String) -> [[Int]] {
        var out: [[Int]] = []
        var path: [Int] = []
        func walk(_ node: FuzzJSON) {
            if case .object(let o) = node {
                for (i, e) in o.enumerated() where e.key == key { out.append(path + [i]) }
            }
            for (i, c) in node.children.enumerated() where c.isContainer {
                path.append(i)
                walk(c)
                path.removeLast()
            }
        }
        walk(self)
        return out
    }

    /// Paths of the elements of the top-level array `key` (e.g. the input tensors).
    func paths(elementsOfKey key: String) -> [[Int]] {
        guard case .object(let o) = self, let i = o.firstIndex(where: { $0.key == key }), case .array(let e) = o[i].value else { return [] }
        return e.indices.map { [i, $0] }
    }
}
