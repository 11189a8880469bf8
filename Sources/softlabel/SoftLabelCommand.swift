import ArgumentParser
import CSoftLabelCPUCheck
import SoftLabelService

/// `softlabel`: the service (`serve`), its offline twins (`call`, `eval`) and `health`.
@main
struct SoftLabelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "softlabel",
        abstract: "Label-smoothed targets, losses and calibration metrics for classifier outputs.",
        discussion: """
            `softlabel serve` runs the HTTP service (API: GET /openapi.yaml). `softlabel call` runs one \
            API request without a server, on the same code path: for batch jobs and scripts. \
            `softlabel eval` computes /v1/calibration (and /v1/loss) on NumPy .npy/.npz files. \
            `softlabel health` checks a running server (the container image's HEALTHCHECK).
            """,
        version: SoftLabelService.version,
        subcommands: [Serve.self, Call.self, Eval.self, Health.self],
        defaultSubcommand: Serve.self
    )
}
