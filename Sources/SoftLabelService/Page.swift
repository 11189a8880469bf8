/// The page at `GET /` (issue 16): one self-contained HTML document, its CSS and JavaScript
/// inline, embedded in the binary from `Resources/page.html` like `openapi.yaml`. It loads nothing
/// from another origin (clusters are often air-gapped), and its Content-Security-Policy says so
/// to the browser too: scripts and styles only inline, requests only to this server.
///
/// What the page does (reads `.npy` files, sends them as binary Open Inference tensors, draws the
/// diagrams) is described at the top of `page.html`; `scripts/check-page` tests it in Chromium.
public enum Page {
    public static var html: [UInt8] { PackageResources.page_html }

    /// `connect-src 'self'`: the page may call only the server that served it.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    static var response: ServiceResponse {
        ServiceResponse(contentType: "text/html; charset=utf-8",
                        headers: [("Content-Security-Policy", contentSecurityPolicy), ("X-Content-Type-Options", "nosniff")],
                        body: html)
    }
}
