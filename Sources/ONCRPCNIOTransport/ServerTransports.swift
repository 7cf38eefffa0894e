public import Logging
public import NIOCore
public import NIOPosix
public import ONCRPC
import Synchronization

extension RPCPeer {
    init(transport: Transport, address: SocketAddress?) {
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
        /// The largest fragment written.
        public var maximumFragmentSize: Int
        /// The most connections served at once; more are closed on arrival.
        public var maximumConnections: Int
        /// The most calls handled at once on one connection; reading pauses beyond it.
        public var maximumCallsInFlightPerConnection: Int

        /// Creates settings (defaults: port 0 on 127.0.0.1, 4 MiB records, 1 MiB fragments,
        /// 1024 connections, 128 calls in flight per connection).
        public init(
            host: String = "127.0.0.1",
            port: Int = 0,
            maximumRecordSize: Int = 4 << 20,
            maximumFragmentSize: Int = 1 << 20,
            maximumConnections: Int = 1024,
            maximumCallsInFlightPerConnection: Int = 128
        ) {
            self.host = host
            self.port = port
            self.maximumRecordSize = maximumRecordSize
            self.maximumFragmentSize = maximumFragmentSize
            self.maximumConnections = maximumConnections
            self.maximumCallsInFlightPerConnection = maximumCallsInFlightPerConnection
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

    /// Serves calls until shut down and every call in flight is answered.
    public func listen(dispatcher: RPCDispatcher) async throws {
        let configuration = self.configuration
        let listener: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
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
                .bind(host: configuration.host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        try sync.addHandler(
                            ByteToMessageHandler(
                                RecordMarkingDecoder(maximumRecordSize: configuration.maximumRecordSize)))
                        try sync.addHandler(
                            RecordMarkingEncoder(maximumFragmentSize: configuration.maximumFragmentSize))
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            bound.set(.failure(error))
            throw error
        }
        bound.set(.success(listener.channel.localAddress!))
        let stopNow = state.withLock { state -> Bool in
            state.listener = listener.channel
            return state.stopping
        }
        if stopNow {
            listener.channel.close(promise: nil)
        }
        logger.info("listening", metadata: ["address": "\(listener.channel.localAddress!)"])

        try await withThrowingDiscardingTaskGroup { group in
            try await listener.executeThenClose { connections in
                for try await connection in connections {
                    let admitted = state.withLock { state -> Bool in
                        guard !state.stopping, state.connections.count < configuration.maximumConnections else {
                            return false
                        }
                        state.connections[ObjectIdentifier(connection.channel)] = connection.channel
                        return true
                    }
                    guard admitted else {
                        logger.warning("refusing a connection: at the limit or shutting down")
                        connection.channel.close(promise: nil)
                        continue
                    }
                    group.addTask {
                        await self.serve(connection: connection, dispatcher: dispatcher)
                        _ = self.state.withLock {
                            $0.connections.removeValue(forKey: ObjectIdentifier(connection.channel))
                        }
                    }
                }
            }
        }
    }

    private func serve(connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>, dispatcher: RPCDispatcher) async {
        let peer = RPCPeer(transport: .tcp, address: connection.channel.remoteAddress)
        let limit = configuration.maximumCallsInFlightPerConnection
        do {
            try await connection.executeThenClose { inbound, outbound in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    var inFlight = 0
                    for try await record in inbound {
                        while inFlight >= limit {
                            try await group.next()
                            inFlight -= 1
                        }
                        inFlight += 1
                        group.addTask {
                            if let reply = await dispatcher.handle(record: record, peer: peer) {
                                try await outbound.write(reply)
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
        } catch {
            logger.debug("connection closed", metadata: ["peer": "\(peer)", "error": "\(error)"])
        }
    }

    /// Stops the transport gracefully.
    public func beginGracefulShutdown() {
        let (listener, connections) = state.withLock { state -> ((any Channel)?, [any Channel]) in
            state.stopping = true
            return (state.listener, Array(state.connections.values))
        }
        listener?.close(promise: nil)
        for connection in connections {
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
    private let inFlight = InFlightCounter()

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

    /// Serves calls until shut down and every call in flight is answered.
    public func listen(dispatcher: RPCDispatcher) async throws {
        let channel: NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>
        do {
            // No SO_REUSEADDR: for UDP it would let two servers share a port.
            var bootstrap = DatagramBootstrap(group: eventLoopGroup)
            if configuration.host.contains(":") {
                bootstrap = bootstrap.channelOption(
                    ChannelOptions.Types.SocketOption(level: .ipv6, name: .ipv6_v6only), value: 1)
            }
            channel =
                try await bootstrap
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65536))
                .bind(host: configuration.host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>(
                            wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            bound.set(.failure(error))
            throw error
        }
        bound.set(.success(channel.channel.localAddress!))
        logger.info("listening", metadata: ["address": "\(channel.channel.localAddress!)"])
        let cache = duplicateRequestCache
        let limit = configuration.maximumCallsInFlight

        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { [shutdownSignal, inFlight] in
                await shutdownSignal.wait()
                await inFlight.waitUntilIdle()
                try? await channel.channel.close()
            }
            try await channel.executeThenClose { inbound, outbound in
                for try await envelope in inbound {
                    if shutdownSignal.isSignalled || inFlight.count >= limit {
                        continue
                    }
                    let peerAddress = envelope.remoteAddress
                    var key: RPCDuplicateRequestCache.Key?
                    if let cache,
                        let callKey = RPCDuplicateRequestCache.Key(call: envelope.data, peer: "\(peerAddress)")
                    {
                        switch cache.lookup(callKey) {
                        case .inProgress:
                            continue
                        case .replay(let reply):
                            try? await outbound.write(AddressedEnvelope(remoteAddress: peerAddress, data: reply))
                            continue
                        case .new:
                            key = callKey
                        }
                    }
                    inFlight.enter()
                    group.addTask { [inFlight] in
                        defer { inFlight.leave() }
                        let peer = RPCPeer(transport: .udp, address: peerAddress)
                        let reply = await dispatcher.handle(record: envelope.data, peer: peer)
                        if let key {
                            cache?.complete(key, reply: reply)
                        }
                        if let reply {
                            try? await outbound.write(AddressedEnvelope(remoteAddress: peerAddress, data: reply))
                        }
                    }
                }
            }
        }
    }

    /// Stops the transport gracefully.
    public func beginGracefulShutdown() {
        shutdownSignal.signal()
    }
}
