public import Logging
public import NIOCore
public import NIOPosix
public import ONCRPC
import Synchronization

extension RPCPeer {
    init(transport: RPCTransportKind, address: SocketAddress?) {
        let isLocal: Bool
        switch address {
        case .v4?:
            isLocal = address?.ipAddress?.hasPrefix("127.") ?? false
        case .v6?:
            let ip = address?.ipAddress ?? ""
            isLocal = ip == "::1" || ip.hasPrefix("::ffff:127.")
        case .unixDomainSocket?:
            isLocal = true
        case nil:
            isLocal = false
        }
        let text = address.map { "\($0.ipAddress ?? "unix"):\($0.port ?? 0)" } ?? "unknown"
        self.init(transport: transport, address: text, isLocal: isLocal)
    }
}

extension SocketAddress {
    /// The ONC RPC network id of a socket at this address.
    func netid(stream: Bool) -> String {
        switch self {
        case .v4: stream ? "tcp" : "udp"
        case .v6: stream ? "tcp6" : "udp6"
        case .unixDomainSocket: stream ? "local" : "unix"
        }
    }
}

/// The address a server transport listens on, available once it is bound.
final class BoundAddress: Sendable {
    private let state = Mutex<
        (address: Result<SocketAddress, any Error>?, waiters: [CheckedContinuation<SocketAddress, any Error>])
    >((nil, []))

    func set(_ result: Result<SocketAddress, any Error>) {
        let waiters = state.withLock { state -> [CheckedContinuation<SocketAddress, any Error>] in
            guard state.address == nil else { return [] }
            state.address = result
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume(with: result) }
    }

    func get() async throws -> SocketAddress {
        try await withCheckedThrowingContinuation { continuation in
            let ready = state.withLock { state -> Result<SocketAddress, any Error>? in
                if let address = state.address { return address }
                state.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }
}

/// A connection accepted by ``TCPServerTransport``, served by its ``RPCServerStreamHandler``.
struct ServedConnection: Sendable {
    var channel: any Channel
    /// Succeeds when the connection is closed and its last handler has finished (at once for a
    /// refused connection).
    var finished: EventLoopFuture<Void>
}

/// Serves ONC RPC over TCP: record-marked calls, handled concurrently, replies written as each
/// handler finishes. Limits the record size, the connections and the calls in flight on each.
public final class TCPServerTransport: RPCServerTransport {
    /// Listening settings and limits.
    public struct Configuration: Sendable {
        /// The address to bind (`127.0.0.1`, `::1`, `0.0.0.0`, `::`…).
        public var host: String
        /// The port; 0 picks a free one (see ``TCPServerTransport/listeningAddress()``).
        public var port: Int
        /// The largest call record accepted; a larger one closes the connection.
        public var maximumRecordSize: Int
        /// The largest fragment written. By default a reply goes as one fragment, as the Linux
        /// kernel's server sends it, so the client has nothing to join.
        public var maximumFragmentSize: Int
        /// The most connections served at once; more are closed on arrival.
        public var maximumConnections: Int
        /// The most calls handled at once on one connection; reading pauses beyond it.
        public var maximumCallsInFlightPerConnection: Int
        /// How long a connection may stay silent, with no call in flight, before it is closed
        /// (nil: never).
        public var idleTimeout: Duration?
        /// How long a call record may take to arrive, from its first byte to its last, before
        /// the connection is closed (nil: no limit). Stops a client that trickles bytes from
        /// holding a connection forever.
        public var recordTimeout: Duration?

        /// Creates settings (defaults: port 0 on 127.0.0.1, 4 MiB records, replies in one fragment,
        /// 1024 connections, 128 calls in flight per connection, connections closed after
        /// 5 minutes of silence, 30 seconds for a record to arrive).
        public init(
            host: String = "127.0.0.1",
            port: Int = 0,
            maximumRecordSize: Int = 4 << 20,
            maximumFragmentSize: Int = RecordMarking.maximumFragmentSize,
            maximumConnections: Int = 1024,
            maximumCallsInFlightPerConnection: Int = 128,
            idleTimeout: Duration? = .seconds(300),
            recordTimeout: Duration? = .seconds(30)
        ) {
            self.host = host
            self.port = port
            self.maximumRecordSize = maximumRecordSize
            self.maximumFragmentSize = maximumFragmentSize
            self.maximumConnections = maximumConnections
            self.maximumCallsInFlightPerConnection = maximumCallsInFlightPerConnection
            self.idleTimeout = idleTimeout
            self.recordTimeout = recordTimeout
        }
    }

    /// The settings.
    public let configuration: Configuration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let bound = BoundAddress()
    private let state = Mutex<(listener: (any Channel)?, connections: [ObjectIdentifier: any Channel], stopping: Bool)>(
        (nil, [:], false))

    /// Creates a TCP server transport.
    public init(
        configuration: Configuration = Configuration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "oncrpc.server.tcp")
    ) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
    }

    /// Creates a TCP server transport on `host`:`port`.
    public convenience init(host: String, port: Int = 0) {
        self.init(configuration: Configuration(host: host, port: port))
    }

    /// The address the transport listens on, once it is bound (waits until then).
    public func listeningAddress() async throws -> SocketAddress {
        try await bound.get()
    }

    /// `tcp` or `tcp6` (`local` for a Unix socket) and the bound address.
    public func registrationAddress() async throws -> (netid: String, address: SocketAddress)? {
        let address = try await bound.get()
        return (address.netid(stream: true), address)
    }

    /// Serves calls until shut down and every call in flight is answered; cancelling the task
    /// stops at once, closing every connection and cancelling the calls in flight.
    public func listen(dispatcher: RPCDispatcher) async throws {
        let configuration = self.configuration
        let logger = self.logger
        let listener: NIOAsyncChannel<ServedConnection, Never>
        do {
            var bootstrap = ServerBootstrap(group: eventLoopGroup)
            if configuration.host.contains(":") {
                // An IPv6 socket serves IPv6 only, so `::` and `0.0.0.0` can both listen.
                bootstrap = bootstrap.serverChannelOption(
                    ChannelOptions.Types.SocketOption(level: .ipv6, name: .ipv6_v6only), value: 1)
            }
            listener =
                try await bootstrap
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                // Reads grow with the records up to 2 MiB (NIO's default stops at 64 KiB): a call
                // carrying 1 MiB of data (an NFS WRITE at the usual wsize) can arrive in one read
                // and be used where it lies, with no copy into a record being assembled; the read
                // size shrinks again when reads come smaller.
                .childChannelOption(
                    .recvAllocator,
                    value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: 2 << 20)
                )
                .bind(host: configuration.host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        // Admitted here, as it is accepted, before anything is read from it.
                        guard self.admit(channel, maximumConnections: configuration.maximumConnections) else {
                            logger.warning(
                                "refusing a connection: at the limit or shutting down",
                                metadata: ["peer": "\(channel.remoteAddress.map { "\($0)" } ?? "unknown")"])
                            channel.close(promise: nil)
                            return ServedConnection(
                                channel: channel, finished: channel.eventLoop.makeSucceededVoidFuture())
                        }
                        let sync = channel.pipeline.syncOperations
                        let peer = RPCPeer(transport: .tcp, address: channel.remoteAddress)
                        let handler = RPCServerStreamHandler(
                            dispatcher: dispatcher, peer: peer,
                            maximumCallsInFlight: configuration.maximumCallsInFlightPerConnection,
                            maximumRecordSize: configuration.maximumRecordSize,
                            maximumFragmentSize: configuration.maximumFragmentSize,
                            idleTimeout: configuration.idleTimeout, recordTimeout: configuration.recordTimeout,
                            eventLoop: channel.eventLoop, logger: logger)
                        try sync.addHandler(handler)
                        let finished = handler.finished.futureResult
                        finished.whenComplete { _ in
                            _ = self.state.withLock { $0.connections.removeValue(forKey: ObjectIdentifier(channel)) }
                        }
                        return ServedConnection(channel: channel, finished: finished)
                    }
                }
        } catch {
            bound.set(.failure(error))
            throw error
        }
        bound.set(.success(listener.channel.localAddress!))
        let stopAtOnce = state.withLock { state -> Bool in
            state.listener = listener.channel
            return state.stopping
        }
        if stopAtOnce {
            listener.channel.close(promise: nil)
        }
        logger.info("listening", metadata: ["address": "\(listener.channel.localAddress!)"])

        // Cancelling the task stops at once: the listener and every connection close, and the
        // calls in flight are cancelled (their clients see the connection close).
        try await withTaskCancellationHandler {
            try await serve(listener)
        } onCancel: {
            stopNow()
        }
    }

    private func serve(_ listener: NIOAsyncChannel<ServedConnection, Never>) async throws {
        try await withThrowingDiscardingTaskGroup { group in
            try await listener.executeThenClose { connections in
                for try await connection in connections {
                    group.addTask {
                        // The connection is served on its event loop; wait until it closes and
                        // its last handler has finished.
                        try? await connection.finished.get()
                    }
                }
            }
        }
    }

    /// Counts in a connection unless the transport is stopping or at its limit.
    private func admit(_ channel: any Channel, maximumConnections: Int) -> Bool {
        state.withLock { state in
            guard !state.stopping, state.connections.count < maximumConnections else { return false }
            state.connections[ObjectIdentifier(channel)] = channel
            return true
        }
    }

    /// Marks the transport stopping, closes the listener and returns the open connections.
    private func stopListening() -> [any Channel] {
        let (listener, connections) = state.withLock { state -> ((any Channel)?, [any Channel]) in
            state.stopping = true
            return (state.listener, Array(state.connections.values))
        }
        listener?.close(promise: nil)
        return connections
    }

    /// Closes the listener and every connection now.
    private func stopNow() {
        for connection in stopListening() {
            connection.close(promise: nil)
        }
    }

    /// Stops the transport gracefully.
    public func beginGracefulShutdown() {
        for connection in stopListening() {
            // End the stream of calls without touching the socket: the calls in flight are
            // answered, then the connection closes.
            connection.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        }
    }
}

/// Serves ONC RPC over UDP: one call per datagram, handled concurrently, with an optional
/// duplicate-request cache so a retransmitted call is answered from the cache.
public final class UDPServerTransport: RPCServerTransport {
    /// Listening settings.
    public struct Configuration: Sendable {
        /// The address to bind.
        public var host: String
        /// The port; 0 picks a free one (see ``UDPServerTransport/listeningAddress()``).
        public var port: Int
        /// The number of replies the duplicate-request cache keeps (0 turns it off).
        public var duplicateRequestCacheSize: Int
        /// The most calls handled at once; datagrams beyond it are dropped (the client retransmits).
        public var maximumCallsInFlight: Int

        /// Creates settings (defaults: port 0 on 127.0.0.1, a cache of 1024 replies, 1024 calls).
        public init(
            host: String = "127.0.0.1",
            port: Int = 0,
            duplicateRequestCacheSize: Int = 1024,
            maximumCallsInFlight: Int = 1024
        ) {
            self.host = host
            self.port = port
            self.duplicateRequestCacheSize = duplicateRequestCacheSize
            self.maximumCallsInFlight = maximumCallsInFlight
        }
    }

    /// The settings.
    public let configuration: Configuration
    /// The duplicate-request cache, when enabled.
    public let duplicateRequestCache: RPCDuplicateRequestCache?
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let bound = BoundAddress()
    private let shutdownSignal = ShutdownSignal()

    /// Creates a UDP server transport.
    public init(
        configuration: Configuration = Configuration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "oncrpc.server.udp")
    ) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.duplicateRequestCache =
            configuration.duplicateRequestCacheSize > 0
            ? RPCDuplicateRequestCache(capacity: configuration.duplicateRequestCacheSize) : nil
    }

    /// Creates a UDP server transport on `host`:`port`.
    public convenience init(host: String, port: Int = 0) {
        self.init(configuration: Configuration(host: host, port: port))
    }

    /// The address the transport listens on, once it is bound (waits until then).
    public func listeningAddress() async throws -> SocketAddress {
        try await bound.get()
    }

    /// `udp` or `udp6` and the bound address.
    public func registrationAddress() async throws -> (netid: String, address: SocketAddress)? {
        let address = try await bound.get()
        return (address.netid(stream: false), address)
    }

    /// Serves calls until shut down and every call in flight is answered; cancelling the task
    /// stops at once, cancelling the calls in flight.
    public func listen(dispatcher: RPCDispatcher) async throws {
        let channel: any Channel
        let handler: NIOLoopBound<RPCServerDatagramHandler>
        let idle: EventLoopFuture<Void>
        let configuration = self.configuration
        let cache = duplicateRequestCache
        do {
            // No SO_REUSEADDR: for UDP it would let two servers share a port.
            var bootstrap = DatagramBootstrap(group: eventLoopGroup)
            if configuration.host.contains(":") {
                bootstrap = bootstrap.channelOption(
                    ChannelOptions.Types.SocketOption(level: .ipv6, name: .ipv6_v6only), value: 1)
            }
            (channel, handler, idle) =
                try await bootstrap
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65536))
                .bind(host: configuration.host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let handler = RPCServerDatagramHandler(
                            dispatcher: dispatcher, cache: cache,
                            maximumCallsInFlight: configuration.maximumCallsInFlight, eventLoop: channel.eventLoop)
                        try channel.pipeline.syncOperations.addHandler(handler)
                        return (channel, NIOLoopBound(handler, eventLoop: channel.eventLoop), handler.idle.futureResult)
                    }
                }
        } catch {
            bound.set(.failure(error))
            throw error
        }
        bound.set(.success(channel.localAddress!))
        logger.info("listening", metadata: ["address": "\(channel.localAddress!)"])
        // A socket that fails ends the transport as a shutdown would.
        channel.closeFuture.whenComplete { [shutdownSignal] _ in shutdownSignal.signal() }
        // Cancelling the task stops at once: the calls in flight are cancelled.
        let stopNow = await withTaskCancellationHandler {
            await shutdownSignal.wait()
            return Task.isCancelled
        } onCancel: { [shutdownSignal] in
            shutdownSignal.signal()
        }
        channel.eventLoop.execute { handler.value.drain(cancellingCalls: stopNow) }
        try? await idle.get()
        try? await channel.close()
    }

    /// Stops the transport gracefully.
    public func beginGracefulShutdown() {
        shutdownSignal.signal()
    }
}
