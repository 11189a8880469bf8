import ArgumentParser
import Foundation
import SoftLabelService

/// The service's limits as flags, each also read from an environment variable (flag wins).
struct ServiceLimitOptions: ParsableArguments {
    @Option(help: "Largest element count of one matrix (B·K). Env SOFTLABEL_MAX_ELEMENTS. Default 16777216.")
    var maxElements: Int?

    @Option(help: "Largest number of classes K. Env SOFTLABEL_MAX_CLASSES. Default 1000000.")
    var maxClasses: Int?

    @Option(help: "Largest request body in bytes. Env SOFTLABEL_MAX_BODY_BYTES. Default 67108864 (64 MiB).")
    var maxBodyBytes: Int?

    var serviceConfiguration: ServiceConfiguration {
        var c = ServiceConfiguration()
        c.maxElements = maxElements ?? Environment.int("SOFTLABEL_MAX_ELEMENTS") ?? c.maxElements
        c.maxClasses = maxClasses ?? Environment.int("SOFTLABEL_MAX_CLASSES") ?? c.maxClasses
        c.maxBodyBytes = maxBodyBytes ?? Environment.int("SOFTLABEL_MAX_BODY_BYTES") ?? c.maxBodyBytes
        return c
    }
}

enum Environment {
    static func string(_ name: String) -> String? { ProcessInfo.processInfo.environment[name] }
    static func int(_ name: String) -> Int? { string(name).flatMap { Int($0) } }
    static func double(_ name: String) -> Double? { string(name).flatMap { Double($0) } }
}
