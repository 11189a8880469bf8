/// Finds a request's route in `RouteTable.all`: literal paths by dictionary, patterns with
/// parameters by a short scan. A path that some row matches with another method is a 405 whose
/// `Allow` lists the methods of every row that matches it; a path no row matches is a 404.
struct Router: Sendable {
    enum Resolution {
        case route(Route, parameters: [String: String])
        case failure(ServiceError)
    }

    private let literal: [String: [Route]]
    private let parametric: [Route]

    init(_ routes: [Route]) {
        var literal: [String: [Route]] = [:]
        var parametric: [Route] = []
        for route in routes {
            if route.pattern.isLiteral { literal["/" + route.pattern.segments.map { if case .literal(let s) = $0 { s } else { "" } }.joined(separator: "/"), default: []].append(route) }
            else { parametric.append(route) }
        }
        self.literal = literal
        self.parametric = parametric
    }

    static let shared = Router(RouteTable.all)

    func resolve(method: String, path: String) -> Resolution {
        let candidates = matches(path)
        guard !candidates.isEmpty else { return .failure(Self.notFound(path)) }
        if let hit = candidates.first(where: { $0.route.method.accepts(method) }) {
            return .route(hit.route, parameters: hit.parameters)
        }
        // A path naming a model (or version) that does not exist is a 404 whatever the method.
        for c in candidates {
            if case .failure(let error) = OpenInferenceRoutes.model(parameters: c.parameters) { return .failure(error) }
        }
        var allow: [String] = []
        for c in candidates where !allow.contains(c.route.method.rawValue) { allow.append(c.route.method.rawValue) }
        return .failure(.methodNotAllowed(path, allow: allow.joined(separator: ", ")))
    }

    /// The metrics' `route` label of a path: its row's pattern, "other" for an unknown path
    /// (bounded cardinality), "unparsed" when the request line did not parse.
    func label(_ path: String?) -> String {
        guard let path else { return "unparsed" }
        return matches(path).first?.route.label ?? "other"
    }

    private func matches(_ path: String) -> [(route: Route, parameters: [String: String])] {
        if let routes = literal[path] { return routes.map { ($0, [:]) } }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        guard !parts.contains(where: \.isEmpty) else { return [] }
        let segments = Array(parts)
        return parametric.compactMap { route in route.pattern.match(segments).map { (route, $0) } }
    }

    /// 404, naming the models when the path is under `/v2/models/` with an unknown model.
    static func notFound(_ path: String) -> ServiceError {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count >= 4, parts[1] == "v2", parts[2] == "models", OpenInferenceModels.named(String(parts[3])) == nil {
            return .unknownModel(String(parts[3]))
        }
        return .notFound(path)
    }
}
