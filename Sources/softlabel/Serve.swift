import ArgumentParser
import SoftLabelService

/// `softlabel serve`: the HTTP service.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the HTTP service (default port 8080).")

    @OptionGroup var limits: ServiceLimitOptions

    func run() throws {
        // The HTTP/1.1 server lands with issue 4; until then `serve` says so instead of pretending.
        print("softlabel serve: the HTTP server is not built yet; use `softlabel call ENDPOINT [FILE]`.")
        throw ExitCode(2)
    }
}
