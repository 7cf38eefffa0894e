public import NIOCore
public import ONCRPC
import Synchronization

/// A connected client and server transport pair that never touches a socket: calls go straight
/// from ``Client`` to the `RPCDispatcher` that ``Server`` listens with. For tests, in this
/// package and in users' packages.
///
/// ```swift
/// let pair = InProcessTransport()
/// let server = RPCServer(transports: [pair.server], services: [MyService()])
/// async let serving: Void = server.serve()
/// try await withRPCClient(transport: pair.client) { client in … }
/// server.beginGracefulShutdown()
/// ```
public struct InProcessTransport: Sendable {
    /// The client side.
    public let client: Client
    /// The server side.
    public let server: Server

    /// Creates a connected pair.
    public init() {
        let (stream, continuation) = AsyncStream.makeStream(of: Request.self)
        self.server = Server(requests: stream, continuation: continuation)
        self.client = Client(requests: continuation)
    }

    struct Request: Sendable {
        var call: ByteBuffer
        var reply: CheckedContinuation<ByteBuffer?, Never>
    }

    /// The client half of an ``InProcessTransport``.
    public struct Client: RPCClientTransport {
        let requests: AsyncStream<Request>.Continuation
        private let shutdown = ShutdownSignal()

        init(requests: AsyncStream<Request>.Continuation) {
            self.requests = requests
        }

        /// Runs until ``beginGracefulShutdown()``.
        public func run() async throws {
            await shutdown.wait()
        }

        /// Sends one call and returns its reply.
        public func roundTrip(_ call: ByteBuffer, xid: UInt32, options: RPCCallOptions) async throws -> ByteBuffer {
            guard !shutdown.isSignalled else {
                throw RPCError(code: .shutdown, message: "the client transport has shut down")
            }
            let requests = self.requests
            return try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
                group.addTask {
                    await withCheckedContinuation { continuation in
                        if case .terminated = requests.yield(Request(call: call, reply: continuation)) {
                            continuation.resume(returning: nil)
                        }
                    }
                }
                group.addTask {
                    try await Task.sleep(for: options.timeout)
                    throw RPCError(code: .timedOut, message: "no reply within \(options.timeout)")
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let reply = first else {
                    throw RPCError(code: .connectionClosed, message: "the in-process server dropped the call")
                }
                return reply
            }
        }

        /// Stops the transport gracefully.
        public func beginGracefulShutdown() {
            shutdown.signal()
        }
    }

    /// The server half of an ``InProcessTransport``.
    public struct Server: RPCServerTransport {
        let requests: AsyncStream<Request>
        let continuation: AsyncStream<Request>.Continuation

        /// Serves calls until shut down and every call in flight is answered.
        public func listen(dispatcher: RPCDispatcher) async throws {
            let peer = RPCPeer(transport: .inProcess, address: "in-process", isLocal: true)
            await withDiscardingTaskGroup { group in
                for await request in requests {
                    group.addTask {
                        request.reply.resume(returning: await dispatcher.handle(record: request.call, peer: peer))
                    }
                }
            }
        }

        /// Stops the transport gracefully.
        public func beginGracefulShutdown() {
            continuation.finish()
        }
    }
}
