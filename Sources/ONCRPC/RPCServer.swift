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
    /// How the server announces itself (``RPCServerRegistration/none`` unless given).
    public let registration: RPCServerRegistration
    private let state = Mutex<State>(.idle)
    private let registered = Mutex<[RPCServerRegistration.Endpoint]>([])
    private let logger: Logger

    private enum State {
        case idle
        case serving
        case stopping
    }

    /// Creates a server for `services` on `transports`, announced by `registration` (for
    /// example `.rpcbind` from the `RPCBind` module).
    public init(
        transports: [any RPCServerTransport],
        services: [any RPCService],
        registration: RPCServerRegistration = .none,
        decodingOptions: XDRDecodingOptions = .default,
        logger: Logger = Logger(label: "oncrpc.server")
    ) {
        self.transports = transports
        self.registration = registration
        self.logger = logger
        self.dispatcher = RPCDispatcher(
            router: RPCRouter(services: services), decodingOptions: decodingOptions, logger: logger)
    }

    /// Serves every transport until ``beginGracefulShutdown()`` has been called and every call
    /// in flight is answered. If one transport fails, the others are shut down and the error is
    /// thrown.
    ///
    /// Cancelling the task that runs `serve()` stops at once instead: every listener and
    /// connection closes, the calls in flight are cancelled (a TCP client sees its connection
    /// close; a UDP client gets SYSTEM_ERR for a cancelled handler), and `serve()` returns once
    /// their handlers have returned.
    ///
    /// Once every transport listens, each program and version served is registered on each
    /// transport with ``registration``; a failed registration shuts the server down and is
    /// thrown (and leaves the registrations it found in place). What was registered is
    /// unregistered before `serve()` returns.
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
            group.addTask {
                try await self.registerEndpoints()
            }
            do {
                // `next()` rather than `waitForAll()`: the first failure must stop the others,
                // and `waitForAll()` only throws once every task has finished.
                while try await group.next() != nil {}
            } catch {
                beginGracefulShutdown()
                try? await group.waitForAll()
                await unregisterEndpoints()
                throw error
            }
        }
        await unregisterEndpoints()
    }

    /// Registers every program version on every transport that has an address.
    private func registerEndpoints() async throws {
        var endpoints: [RPCServerRegistration.Endpoint] = []
        for transport in transports {
            guard let (netid, address) = try await transport.registrationAddress() else { continue }
            for (program, version) in dispatcher.router.programVersions {
                endpoints.append(.init(program: program, version: version, netid: netid, address: address))
            }
        }
        guard !endpoints.isEmpty else { return }
        let stopping = state.withLock { state -> Bool in
            if case .stopping = state { return true }
            return false
        }
        guard !stopping else { return }
        registered.withLock { $0 = endpoints }
        do {
            let logger = self.logger
            try await registration.registerReportingNotices(endpoints, .init { logger.notice("\($0)") })
        } catch {
            // A registration that fails leaves nothing of its own behind (it undoes what it
            // did), and what it refused to replace belongs to someone else: nothing here is to
            // be unregistered.
            registered.withLock { $0 = [] }
            logger.error("registration failed", metadata: ["error": "\(error)"])
            throw error
        }
        logger.debug("registered", metadata: ["endpoints": "\(endpoints)"])
    }

    /// Unregisters what ``registerEndpoints()`` registered (or tried to), once.
    private func unregisterEndpoints() async {
        let endpoints = registered.withLock { endpoints in
            defer { endpoints = [] }
            return endpoints
        }
        guard !endpoints.isEmpty else { return }
        // Unregistered even when serve() was cancelled: the task awaited here does not inherit
        // the cancellation, so rpcbind is not left pointing at a closed port.
        let registration = self.registration
        let result = await Task { try await registration.unregister(endpoints) }.result
        do {
            try result.get()
        } catch {
            logger.warning("unregistration failed", metadata: ["error": "\(error)"])
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
