import ArgumentParser
import Foundation
import Logging
import NIOPosix
import ServiceLifecycle
import TetherCLIKit
import TetherConfig
import TetherCore

@main
struct Tetherd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tetherd",
        abstract: "Runs Tether's auth, proxy and node services.",
        subcommands: [Start.self]
    )
}

struct Start: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Starts the services enabled in a configuration file and runs until SIGTERM or SIGINT."
    )

    @Option(name: .long, help: "The tetherd YAML configuration file.")
    var config: String

    func run() async throws {
        let configuration: TetherdConfiguration
        do {
            configuration = try TetherdConfiguration.load(path: config)
        } catch {
            throw CommandFailure.report(error.message)
        }
        let level = Logger.Level(rawValue: configuration.logLevel.rawValue) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "tetherd")
        let descriptorLimit = DescriptorLimit.raise()
        do {
            let services = try ServiceAssembly(
                configuration: configuration,
                workingDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
                eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
                logger: logger,
                descriptorLimit: descriptorLimit
            ).services()
            // One service failing (a port in use) shuts the others down as
            // SIGTERM does: cancelled, Hummingbird logs the cancellation as an error.
            let group = ServiceGroup(configuration: .init(
                services: services.map { .init(service: $0, failureTerminationBehavior: .gracefullyShutdownGroup) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            ))
            try await group.run()
        } catch let error as TetherError {
            throw CommandFailure.report(error.message)
        } catch {
            throw CommandFailure.report("tetherd stopped on an unexpected error: \(TetherError.clause(error)).")
        }
    }
}
