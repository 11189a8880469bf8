/// The service's size limits, applied to a file's declared shape before anything is allocated:
/// a matrix has at most `maxClasses` columns and `maxElements` values (B·K), a label vector at
/// most `maxElements` entries. The same numbers the service applies to a JSON body
/// (`ServiceConfiguration.maxElements`, `.maxClasses`), so a file the service would refuse is
/// refused before it is read.
public struct ArrayLimits: Sendable, Equatable {
    public var maxElements: Int
    public var maxClasses: Int

    public init(maxElements: Int, maxClasses: Int) {
        self.maxElements = maxElements
        self.maxClasses = maxClasses
    }
}
