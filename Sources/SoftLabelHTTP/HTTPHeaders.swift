/// One header (or trailer) field line, as received or to be sent.
public struct HTTPField: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// Header fields in the order they arrived; lookups ignore ASCII case (RFC 9110 §5.1), and
/// repeated fields are all kept (RFC 9110 §5.2: never silently dropped, unlike FlyingFox).
public struct HTTPHeaders: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    public private(set) var fields: [HTTPField]

    public init() { fields = [] }

    public init(_ fields: [HTTPField]) { self.fields = fields }

    public init(_ pairs: [(String, String)]) {
        fields = pairs.map { HTTPField(name: $0.0, value: $0.1) }
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    public var count: Int { fields.count }
    public var isEmpty: Bool { fields.isEmpty }

    public func makeIterator() -> IndexingIterator<[HTTPField]> { fields.makeIterator() }

    /// The first value of `name`, or nil.
    public subscript(name: String) -> String? {
        for field in fields where Self.equalsIgnoringCase(field.name, name) { return field.value }
        return nil
    }

    /// Every value of `name`, in order.
    public func values(for name: String) -> [String] {
        fields.compactMap { Self.equalsIgnoringCase($0.name, name) ? $0.value : nil }
    }

    public func contains(_ name: String) -> Bool { self[name] != nil }

    /// Appends a field line (keeps existing ones of the same name).
    public mutating func add(name: String, value: String) {
        fields.append(HTTPField(name: name, value: value))
    }

    /// Removes every field named `name`, then appends one.
    public mutating func replaceOrAdd(name: String, value: String) {
        remove(name: name)
        add(name: name, value: value)
    }

    public mutating func remove(name: String) {
        fields.removeAll { Self.equalsIgnoringCase($0.name, name) }
    }

    /// Whether a comma-separated list field (e.g. `Connection`) holds `token`, ignoring case.
    public func containsToken(_ token: String, in name: String) -> Bool {
        for value in values(for: name) {
            for element in Array(value.utf8).split(separator: UInt8(ascii: ","), omittingEmptySubsequences: true)
            where Self.equalsIgnoringCase(ASCII.trimmingWhitespace(element), token.utf8) {
                return true
            }
        }
        return false
    }

    static func equalsIgnoringCase(_ left: String, _ right: String) -> Bool {
        equalsIgnoringCase(left.utf8[...], right.utf8)
    }

    static func equalsIgnoringCase<Left: Collection<UInt8>, Right: Collection<UInt8>>(_ left: Left, _ right: Right) -> Bool {
        guard left.count == right.count else { return false }
        for (a, b) in zip(left, right) where ASCII.lowercased(a) != ASCII.lowercased(b) { return false }
        return true
    }
}
