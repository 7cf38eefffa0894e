public import Logging
import Synchronization
public import XDR

/// Serves ONC RPC programs over one or more transports.
///
/// ```swift
/// let server = RPCServer(transports: [tcp, udp], services: [MyService()])
/// try await server.serve()          // until beginGracefulShutdown()
/// ```
public final class RPCServer: Sendable {
    /// The transports served.
    public let transports: [any RPCServerTransport]
    /// The dispatcher every transport hands its calls to.
    public let dispatcher: RPCDispatcher
    private let state = Mutex<State>(.idle)

    private enum State {
        case idle
        case serving
        case stopping
    }

    /// Creates a server for `services` on `transports`.
    public init(
        transports: [any RPCServerTransport],
        services: [any RPCService],
        decodingOptions: XDRDecodingOptions = .default,
        logger: Logger = Logger(label: "oncrpc.server")
    ) {
        self.transports = transports
        self.dispatcher = RPCDispatcher(
            router: RPCRouter(services: services), decodingOptions: decodingOptions, logger: logger)
    }

    /// Serves every transport until ``beginGracefulShutdown()`` has been called and every call
    /// in flight is answered. If one transport fails, the others are shut down and the error is
    /// thrown.
    public func serve() async throws {
        let start = state.withLock { state -> Bool in
            guard case .idle = state else { return false }
            state = .serving
            return true
        }
        guard start else {
            throw RPCError(code: .shutdown, message: "serve() was already called on this server")
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for transport in transports {
                group.addTask { [dispatcher] in
                    try await transport.listen(dispatcher: dispatcher)
                }
            }
            do {
                try await group.waitForAll()
            } catch {
                beginGracefulShutdown()
                try? await group.waitForAll()
                throw error
            }
        }
    }

    /// Stops accepting calls on every transport; calls in flight still get their replies, then
    /// ``serve()`` returns.
    public func beginGracefulShutdown() {
        state.withLock { $0 = .stopping }
        for transport in transports {
            transport.beginGracefulShutdown()
        }
    }
}
