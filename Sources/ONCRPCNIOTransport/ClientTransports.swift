public import Logging
public import NIOCore
public import NIOPosix
public import ONCRPC

/// Where a client transport connects: a fixed address, or one looked up again before each new
/// connection (as the rpcbind resolver does).
public struct RPCServerAddress: Sendable {
    let resolve: @Sendable () async throws -> SocketAddress

    /// A fixed socket address.
    public static func address(_ address: SocketAddress) -> RPCServerAddress {
        RPCServerAddress { address }
    }

    /// A host name or literal and a port, resolved on each connection.
    public static func host(_ host: String, port: Int) -> RPCServerAddress {
        RPCServerAddress { try SocketAddress.makeAddressResolvingHost(host, port: port) }
    }

    /// An address found by `resolve` each time a connection is made.
    public static func resolved(by resolve: @escaping @Sendable () async throws -> SocketAddress) -> RPCServerAddress {
        RPCServerAddress(resolve: resolve)
    }
}

/// ONC RPC over TCP (or a Unix stream socket, such as rpcbind's `/run/rpcbind.sock`): one
/// connection, many calls in flight matched by xid, record marking with a configurable fragment
/// size and record limit. Connects on the first call and again on the
/// next call after the connection drops.
public final class TCPClientTransport: RPCClientTransport {
    /// Connection settings.
    public struct Configuration: Sendable {
        /// The largest reply record accepted, unless a call sets its own
        /// (`RPCCallOptions.maximumReplySize`). A larger reply fails its call with
        /// `RPCError.Code.replyTooLarge` before its bytes are buffered; the
        /// connection carries on.
        public var maximumRecordSize: Int
        /// The largest fragment sent. By default a call goes as one fragment, as the Linux
        /// kernel's client sends it, so the server has nothing to join.
        public var maximumFragmentSize: Int
        /// How long connecting may take.
        public var connectTimeout: Duration

        /// Creates settings (defaults: 4 MiB replies, each call in one fragment, 10 s to connect).
        public init(
            maximumRecordSize: Int = 4 << 20,
            maximumFragmentSize: Int = RecordMarking.maximumFragmentSize,
            connectTimeout: Duration = .seconds(10)
        ) {
            self.maximumRecordSize = maximumRecordSize
            self.maximumFragmentSize = maximumFragmentSize
            self.connectTimeout = connectTimeout
        }
    }

    private let connection: ClientConnection

    /// The executor of the event loop the transport's connections live on. Calls made from a
    /// task that prefers it (`withTaskExecutorPreference(transport.taskExecutor) { … }`) are
    /// sent and their replies received on that thread, without a thread switch per call: the
    /// lowest latency and highest rate one connection gives.
    public let taskExecutor: EventLoopTaskExecutor

    /// Creates a transport to `server`; its connections use one event loop of `eventLoopGroup`.
    public init(
        server: RPCServerAddress,
        configuration: Configuration = Configuration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "oncrpc.client.tcp")
    ) {
        let eventLoop = eventLoopGroup.next()
        self.taskExecutor = EventLoopTaskExecutor(eventLoop: eventLoop)
        self.connection = ClientConnection {
            let address = try await server.resolve()
            var bootstrap = ClientBootstrap(group: eventLoop)
                .connectTimeout(TimeAmount(configuration.connectTimeout))
                // Reads grow with the replies up to 2 MiB (NIO's default stops at 64 KiB): a reply
                // carrying 1 MiB of data (an NFS READ at the usual rsize) can arrive in one read
                // and be used where it lies, with no copy into a record being assembled.
                .channelOption(
                    .recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: 2 << 20)
                )
            if address.protocol != .unix {
                bootstrap = bootstrap.channelOption(.socketOption(.tcp_nodelay), value: 1)
            }
            let channel: any Channel
            do {
                channel =
                    try await bootstrap
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(
                                RPCStreamClientHandler(
                                    maximumRecordSize: configuration.maximumRecordSize,
                                    maximumFragmentSize: configuration.maximumFragmentSize, logger: logger))
                        }
                    }
                    .connect(to: address)
                    .channelHonouringCancellation()
            } catch {
                throw connectFailure(
                    error, to: address, over: address.protocol == .unix ? .local : .tcp,
                    timeout: configuration.connectTimeout)
            }
            return try await channel.connected(through: RPCStreamClientHandler.self)
        }
    }

    /// Creates a transport to `host`:`port`.
    public convenience init(host: String, port: Int, configuration: Configuration = Configuration()) {
        self.init(server: .host(host, port: port), configuration: configuration)
    }

    /// Runs until ``beginGracefulShutdown()``; connections are made by the calls.
    public func run() async throws {
        await connection.waitForShutdown()
    }

    /// Sends one call and returns its reply (see `RPCClientTransport.roundTrip(_:xid:options:)`).
    public nonisolated(nonsending) func roundTrip(_ call: consuming ByteBuffer, xid: UInt32, options: RPCCallOptions)
        async throws
        -> ByteBuffer
    {
        try await connection.roundTrip(
            RPCMessageBytes(first: consume call), xid: xid, options: options, sendFailure: .connectionClosed)
    }

    /// Sends one call held in several buffers, written with one `writev` (see
    /// `RPCClientTransport.roundTrip(gathering:xid:options:)`).
    public nonisolated(nonsending) func roundTrip(
        gathering call: consuming RPCMessageBytes, xid: UInt32, options: RPCCallOptions
    )
        async throws
        -> ByteBuffer
    {
        try await connection.roundTrip(consume call, xid: xid, options: options, sendFailure: .connectionClosed)
    }

    /// Closes the connection; later calls fail with `RPCError.Code.shutdown`.
    public func beginGracefulShutdown() {
        connection.shutdown()
    }
}

/// ONC RPC over UDP: one call per datagram, retransmitted by each call's
/// `RPCRetransmitPolicy` within its total timeout, replies matched by xid.
public final class UDPClientTransport: RPCClientTransport {
    private let connection: ClientConnection

    /// The executor of the event loop the transport's socket lives on (see
    /// ``TCPClientTransport/taskExecutor``).
    public let taskExecutor: EventLoopTaskExecutor

    /// Creates a transport to `server`; its socket uses one event loop of `eventLoopGroup`.
    public init(
        server: RPCServerAddress,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "oncrpc.client.udp")
    ) {
        let eventLoop = eventLoopGroup.next()
        self.taskExecutor = EventLoopTaskExecutor(eventLoop: eventLoop)
        self.connection = ClientConnection {
            let address = try await server.resolve()
            let local = address.protocol == .inet6 ? "::" : "0.0.0.0"
            return try await DatagramBootstrap(group: eventLoop)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65536))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            RPCDatagramClientHandler(remote: address, logger: logger))
                    }
                }
                .bind(host: local, port: 0)
                .get()
                .connected(through: RPCDatagramClientHandler.self)
        }
    }

    /// Creates a transport to `host`:`port`.
    public convenience init(host: String, port: Int) {
        self.init(server: .host(host, port: port))
    }

    /// Runs until ``beginGracefulShutdown()``; connections are made by the calls.
    public func run() async throws {
        await connection.waitForShutdown()
    }

    /// Sends one call and returns its reply (see `RPCClientTransport.roundTrip(_:xid:options:)`).
    public nonisolated(nonsending) func roundTrip(_ call: consuming ByteBuffer, xid: UInt32, options: RPCCallOptions)
        async throws
        -> ByteBuffer
    {
        try await connection.roundTrip(
            RPCMessageBytes(first: consume call), xid: xid, options: options, sendFailure: .unreachable)
    }

    /// Closes the connection; later calls fail with `RPCError.Code.shutdown`.
    public func beginGracefulShutdown() {
        connection.shutdown()
    }
}
