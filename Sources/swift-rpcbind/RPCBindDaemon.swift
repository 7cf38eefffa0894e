import ArgumentParser
import Dispatch
import Foundation
import Logging
import NIOCore
import ONCRPC
import ONCRPCNIOTransport
import RPCBindServer
import ServiceLifecycle
import UnixSignals

/// `swift-rpcbind`: an rpcbind (portmap v2, rpcbind v3 and v4) in the foreground.
@main
struct RPCBindDaemon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swift-rpcbind",
        abstract: "Run an rpcbind (portmap v2, rpcbind v3/v4) in the foreground.",
        discussion: "Stops cleanly on SIGINT or SIGTERM. Refuses to start when the port is taken.")

    @Option(name: .long, help: "An address to listen on, over TCP and UDP (repeatable; default 0.0.0.0 and ::).")
    var host: [String] = []
    @Option(name: .long, help: "The port.")
    var port: Int = 111
    @Flag(name: .long, help: "Refuse CALLIT/BCAST/INDIRECT forwarding.")
    var noForwarding = false
    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func run() async throws {
        var logger = Logger(label: "swift-rpcbind")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let hosts = host.isEmpty ? ["0.0.0.0", "::"] : host
        var transports: [any RPCServerTransport] = []
        for host in hosts {
            transports.append(
                TCPServerTransport(configuration: .init(host: host, port: port), logger: logger))
            transports.append(
                UDPServerTransport(configuration: .init(host: host, port: port), logger: logger))
        }
        let rpcbind = RPCBindServer(configuration: .init(forwarding: noForwarding ? .refused : .localServices))
        let server = RPCServer(
            transports: transports, services: rpcbind.services, registration: rpcbind.selfRegistration,
            logger: logger)

        // SIGINT and SIGTERM begin a graceful shutdown, through the service group (unblocked
        // first: a parent may have started us with them blocked).
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGINT)
        sigaddset(&unblock, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: server)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))

        logger.info("starting", metadata: ["hosts": "\(hosts)", "port": "\(port)"])
        do {
            try await group.run()
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            FileHandle.standardError.write(
                Data(
                    ("swift-rpcbind: port \(port) is already in use; is another rpcbind running? "
                        + "(rpcinfo -p 127.0.0.1 shows it)\n").utf8))
            throw ExitCode(1)
        } catch {
            FileHandle.standardError.write(Data("swift-rpcbind: cannot serve: \(error)\n".utf8))
            throw ExitCode(1)
        }
        logger.info("stopped")
    }
}
