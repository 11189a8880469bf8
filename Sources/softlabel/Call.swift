import ArgumentParser
import Foundation
import SoftLabelService

/// `softlabel call ENDPOINT [FILE]`: one API request body in, the API's response out.
struct Call: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one API request without a server and print the JSON response.",
        discussion: """
            Reads the request body (JSON, as for POST ENDPOINT) from FILE or standard input and prints \
            the response body to standard output. Exit status 0 on success; on an invalid request the \
            API's error JSON is printed and the exit status is 1.

            Example: echo '{"labels":[0,2],"num_classes":3,"label_smoothing":0.1}' | softlabel call /v1/smooth
            """
    )

    @Argument(help: "The endpoint path, e.g. /v1/loss (the leading /v1/ may be left out: `loss`), or an Open Inference route such as /v2/models/loss/infer (JSON).")
    var endpoint: String

    @Argument(help: "A file holding the request body; standard input when absent or '-'.")
    var file: String?

    @OptionGroup(title: "Limits") var limits: LimitOptions

    func run() throws {
        let path = endpoint.hasPrefix("/") ? endpoint
            : (endpoint.hasPrefix("v1/") || endpoint.hasPrefix("v2/")) ? "/" + endpoint : "/v1/" + endpoint
        let body: [UInt8]
        if let file, file != "-" {
            // FileHandle reads pipes and process substitutions (/dev/fd/N) too.
            guard let handle = FileHandle(forReadingAtPath: file) else {
                FileHandle.standardError.write(Data("softlabel: cannot read \(file)\n".utf8))
                throw ExitCode(1)
            }
            body = [UInt8](handle.readDataToEndOfFile())
        } else {
            body = [UInt8](FileHandle.standardInput.readDataToEndOfFile())
        }
        let settings = try ServerSettings.resolveOrExit(limits.flags)
        let service = SoftLabelService(configuration: settings.service)
        let response = service.call(path, body: body)
        FileHandle.standardOutput.write(Data(response.body + [0x0A]))
        if !response.isSuccess { throw ExitCode(1) }
    }
}
