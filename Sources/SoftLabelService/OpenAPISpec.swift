/// The OpenAPI 3.1 description of the service, embedded in the binary from `openapi.yaml`.
public enum OpenAPISpec {
    public static var yaml: [UInt8] { PackageResources.openapi_yaml }
}
