public import NIOCore

/// Carries calls to a server and brings back their replies. Transports live in other modules
/// (`ONCRPCNIOTransport`, `ONCRPCInProcessTransport`); ``RPCClient`` builds and parses messages.
public protocol RPCClientTransport: Sendable {
    /// Runs the transport until ``beginGracefulShutdown()``; ``withRPCClient(transport:defaultOptions:decodingOptions:isolation:_:)``
    /// calls it in a child task. Connections are made on demand by ``roundTrip(_:xid:options:)``.
    func run() async throws

    /// Sends one complete call message whose transaction id is `xid` and returns the reply message
    /// with the same xid. `call` keeps ``RecordMarking/headroom`` free bytes before its reader
    /// index. Throws ``RPCError`` with ``RPCError/Code-swift.struct/timedOut``,
    /// ``RPCError/Code-swift.struct/connectionClosed``, ``RPCError/Code-swift.struct/unreachable``
    /// or ``RPCError/Code-swift.struct/shutdown``. It runs on the caller's executor until it waits
    /// for the reply. `call` is handed over (`consuming`): a stream transport writes its
    /// record-marking header into the headroom, which copies nothing when no one else holds it.
    nonisolated(nonsending) func roundTrip(_ call: consuming ByteBuffer, xid: UInt32, options: RPCCallOptions)
        async throws
        -> ByteBuffer

    /// Sends one call message held in one or more buffers (see ``RPCMessageBytes``) and returns
    /// its reply, as ``roundTrip(_:xid:options:)`` does. ``RPCClient`` sends every call through
    /// it: messages that reference large buffers are not copied to be sent. The default joins
    /// the buffers and calls ``roundTrip(_:xid:options:)``; stream transports write them with
    /// gather I/O instead.
    nonisolated(nonsending) func roundTrip(
        gathering call: consuming RPCMessageBytes, xid: UInt32, options: RPCCallOptions
    )
        async throws -> ByteBuffer

    /// Fails new calls, lets calls in flight finish, then lets ``run()`` return.
    func beginGracefulShutdown()
}

/// Accepts calls from clients and sends back the replies a ``RPCDispatcher`` makes.
public protocol RPCServerTransport: Sendable {
    /// Listens and serves until ``beginGracefulShutdown()`` and until every call in flight has
    /// been answered.
    func listen(dispatcher: RPCDispatcher) async throws

    /// Stops accepting new calls; calls in flight still get their replies.
    func beginGracefulShutdown()

    /// The network id (`tcp`, `udp`, `tcp6`, `udp6`, `local`) and address the transport
    /// listens on, once it listens (waiting until then), for registration with rpcbind; `nil`
    /// for a transport that has no socket address. Throws when the transport cannot listen.
    func registrationAddress() async throws -> (netid: String, address: SocketAddress)?
}

extension RPCClientTransport {
    /// Joins the buffers (a message in one buffer is that buffer) and sends them with
    /// ``roundTrip(_:xid:options:)``.
    public nonisolated(nonsending) func roundTrip(
        gathering call: consuming RPCMessageBytes, xid: UInt32, options: RPCCallOptions
    ) async throws -> ByteBuffer {
        try await roundTrip((consume call).joined, xid: xid, options: options)
    }
}

extension RPCServerTransport {
    /// No socket address: nothing to register.
    public func registrationAddress() async throws -> (netid: String, address: SocketAddress)? {
        nil
    }
}
