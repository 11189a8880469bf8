import SoftLabelKernels
import SoftLabelWire

/// The service: routes a request (method, path, content type, body) to its endpoint and
/// returns the response bytes. The HTTP server and `softlabel call` both come through here,
/// so a batch job without a server computes exactly what the server would answer.
public struct SoftLabelService: Sendable {
    public var configuration: ServiceConfiguration

    public init(configuration: ServiceConfiguration = ServiceConfiguration()) {
        self.configuration = configuration
    }

    /// An endpoint: decodes a JSON body, computes, encodes the answer as `contentType`.
    struct Endpoint: Sendable {
        var contentType = "application/json"
        var handle: @Sendable (UnsafeRawBufferPointer, RequestDecoding) throws -> [UInt8]
    }

    /// The v1 compute endpoints by path.
    static let endpoints: [String: Endpoint] = [
        "/v1/smooth": Endpoint(handle: SmoothEndpoint.handle),
        "/v1/loss": Endpoint(handle: LossEndpoint.handle),
        "/v1/calibration": Endpoint(handle: CalibrationEndpoint.handle),
        "/v1/calibration/merge": Endpoint(handle: CalibrationMergeEndpoint.handle),
        "/v1/temperature": Endpoint(handle: TemperatureEndpoint.handle),
        "/v1/reliability-diagram": Endpoint(contentType: "image/svg+xml", handle: ReliabilityDiagramEndpoint.handle),
    ]

    /// The paths `softlabel call` accepts.
    public static var endpointPaths: [String] { endpoints.keys.sorted() }

    /// Runs the endpoint at `path` on a JSON body (the `POST` of the HTTP API, minus HTTP).
    public func call(_ path: String, body: [UInt8]) -> ServiceResponse {
        guard let endpoint = Self.endpoints[path] else {
            return ServiceResponse(.notFound(path))
        }
        guard body.count <= configuration.maxBodyBytes else {
            return ServiceResponse(ServiceError(status: 413, code: "body_too_large",
                                                message: "the body has \(body.count) bytes; the limit is \(configuration.maxBodyBytes) (--max-body-bytes)"))
        }
        let decoding = RequestDecoding(configuration: configuration)
        do {
            let bytes = try body.withUnsafeBytes { raw in try endpoint.handle(raw, decoding) }
            return ServiceResponse(contentType: endpoint.contentType, body: bytes)
        } catch let error as ServiceError {
            return ServiceResponse(error)
        } catch let error as ValidationError {
            return ServiceResponse(ServiceError(error))
        } catch let error as JSONReadError {
            return ServiceResponse(ServiceError(error))
        } catch {
            // Every error type a handler can throw is mapped above; reaching this is a bug.
            return ServiceResponse(ServiceError(status: 500, code: "internal_error", message: "internal error: \(error)"))
        }
    }
}
