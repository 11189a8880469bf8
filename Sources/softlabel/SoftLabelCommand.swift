import ArgumentParser
import CSoftLabelCPUCheck
import SoftLabelService

/// `softlabel`: the service (`serve`) and its offline twin (`call`).
@main
struct SoftLabelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "softlabel",
        abstract: "Label-smoothed targets, losses and calibration metrics for classifier outputs.",
        discussion: """
            `softlabel serve` runs the HTTP service (API: GET /openapi.yaml). `softlabel call` runs one \
            API request without a server, on the same code path: for batch jobs and scripts. \
            `softlabel health` checks a running server (the container image's HEALTHCHECK).
            """,
        version: SoftLabelService.version,
        subcommands: [Serve.self, Call.self, Health.self],
        defaultSubcommand: Serve.self
    )
}
