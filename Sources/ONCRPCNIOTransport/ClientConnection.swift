import NIOCore
import ONCRPC
import Synchronization

/// Makes a channel on demand, shares it between calls, and makes a new one on the next call
/// after it closes. The first caller that finds no channel connects, in its own task; the
/// others wait for it. A cancelled caller stops waiting at once; a cancelled connecting caller
/// gives up its connection attempt, and a waiting caller takes over.
final class ClientConnection: Sendable {
    private typealias Waiter = CheckedContinuation<(ConnectedChannel)?, any Error>

    private enum State {
        case idle
        /// The callers waiting for the connection being made, by a number of their own.
        case connecting([(id: Int, waiter: Waiter)])
        case connected(ConnectedChannel)
        case shutdown
    }

    private let state = Mutex<State>(.idle)
    private let nextWaiterID = Atomic<Int>(0)
    private let connect: @Sendable () async throws -> ConnectedChannel
    private let shutdownSignal = ShutdownSignal()

    init(connect: @escaping @Sendable () async throws -> ConnectedChannel) {
        self.connect = connect
    }

    private static func shutdownError() -> RPCError {
        RPCError(code: .shutdown, message: "the client transport has shut down")
    }

    /// The connected channel when there is one, without suspending: the path of every call
    /// but a connection's first.
    @inline(__always)
    private func activeChannel() -> ConnectedChannel? {
        state.withLock { state in
            if case .connected(let connected) = state, connected.channel.isActive {
                return connected
            }
            return nil
        }
    }

    /// The live channel, connecting first when there is none.
    nonisolated(nonsending) func channel() async throws -> ConnectedChannel {
        enum Action {
            case use(ConnectedChannel)
            case connect
            case wait
            case fail
        }
        while true {
            let action = state.withLock { state -> Action in
                switch state {
                case .connected(let connected) where connected.channel.isActive:
                    return .use(connected)
                case .idle, .connected:
                    state = .connecting([])
                    return .connect
                case .connecting:
                    return .wait
                case .shutdown:
                    return .fail
                }
            }
            switch action {
            case .use(let channel):
                return channel
            case .fail:
                throw Self.shutdownError()
            case .connect:
                return try await establish()
            case .wait:
                let id = nextWaiterID.add(1, ordering: .relaxed).newValue
                let channel = try await withTaskCancellationHandler {
                    try await withCheckedThrowingContinuation { (waiter: Waiter) in
                        let queued = state.withLock { state -> Bool in
                            guard case .connecting(var waiters) = state, !Task.isCancelled else { return false }
                            waiters.append((id, waiter))
                            state = .connecting(waiters)
                            return true
                        }
                        if !queued {
                            waiter.resume(returning: nil)  // the state moved on: look again
                        }
                    }
                } onCancel: {
                    let waiter = state.withLock { state -> Waiter? in
                        guard case .connecting(var waiters) = state,
                            let index = waiters.firstIndex(where: { $0.id == id })
                        else { return nil }
                        let waiter = waiters.remove(at: index).waiter
                        state = .connecting(waiters)
                        return waiter
                    }
                    waiter?.resume(throwing: CancellationError())
                }
                if let channel {
                    return channel
                }
                try Task.checkCancellation()
            }
        }
    }

    private func establish() async throws -> ConnectedChannel {
        let result: Result<ConnectedChannel, any Error>
        do {
            result = .success(try await connect())
        } catch let error as RPCError {
            result = .failure(error)
        } catch let error as CancellationError {
            result = .failure(error)
        } catch {
            result = .failure(
                RPCError(code: .unreachable, message: "cannot connect: \(error)", cause: error))
        }
        let (waiters, unwanted) = state.withLock { state -> ([Waiter], (ConnectedChannel)?) in
            guard case .connecting(let waiters) = state else {
                return ([], try? result.get())  // shut down while connecting
            }
            switch result {
            case .success(let channel): state = .connected(channel)
            case .failure: state = .idle
            }
            return (waiters.map(\.waiter), nil)
        }
        if let unwanted {
            unwanted.channel.close(promise: nil)
            throw Self.shutdownError()
        }
        if case .failure(let error) = result, error is CancellationError {
            // Only this caller was cancelled: the others look again, and one of them connects.
            for waiter in waiters {
                waiter.resume(returning: nil)
            }
            throw error
        }
        for waiter in waiters {
            waiter.resume(with: result.map { $0 })
        }
        return try result.get()
    }

    /// Returns once ``shutdown()`` has been called (the body of a transport's `run()`).
    func waitForShutdown() async {
        await shutdownSignal.wait()
    }

    /// Sends one call on the live channel (connecting first if needed) and returns its reply.
    /// A send that fails before the call is registered fails with `sendFailure`.
    nonisolated(nonsending) func roundTrip(
        _ call: consuming RPCMessageBytes,
        xid: UInt32,
        options: RPCCallOptions,
        sendFailure: RPCError.Code
    ) async throws -> ByteBuffer {
        let connected: ConnectedChannel
        if let active = activeChannel() {
            connected = active
        } else {
            connected = try await self.channel()
        }
        let channel = connected.channel
        // A call made in a cancelled task is not sent at all.
        if Task.isCancelled {
            throw CancellationError()
        }
        if channel.eventLoop.inEventLoop, channel.isActive {
            // On the channel's own thread an active channel cannot close before the handler
            // registers the call, and from then on the handler completes it, once, whatever
            // happens: the continuation can go to the handler directly, and the call too,
            // without being boxed for a trip through the pipeline.
            // The message is moved into the call, not copied: unshared, it gets its
            // record-marking header in place.
            var message = Optional(consume call)
            return try await withTaskCancellationHandler {
                try await withUnsafeThrowingContinuation { continuation in
                    connected.sink.send(
                        OutstandingCall(
                            xid: xid, message: message.take()!, options: options,
                            reply: .continuation(continuation)),
                        context: connected.context)
                    // A cancellation that came before the call was registered queued its
                    // cancel too early (the operation may have waited for the loop behind it):
                    // queue another, behind the registration.
                    if Task.isCancelled {
                        channel.eventLoop.execute { connected.sink.cancel(xid: xid) }
                    }
                }
            } onCancel: {
                // Queued on the loop; the handler drops the call unless its reply came first.
                channel.eventLoop.execute {
                    connected.sink.cancel(xid: xid)
                }
            }
        }
        let promise = channel.eventLoop.makePromise(of: ByteBuffer.self)
        let outstanding = OutstandingCall(xid: xid, message: call, options: options, reply: .promise(promise))
        return try await withTaskCancellationHandler {
            channel.writeAndFlush(outstanding).whenFailure { error in
                promise.fail(RPCError(code: sendFailure, message: "the call could not be sent: \(error)", cause: error))
            }
            if Task.isCancelled {
                // Behind the write, so the handler finds the call to drop.
                channel.eventLoop.execute { connected.sink.cancel(xid: xid) }
            }
            return try await promise.futureResult.get()
        } onCancel: {
            channel.eventLoop.execute {
                // The handler drops the call (no retransmission, a late reply ignored); the
                // promise fails here too in case the cancellation overtook the call's write
                // (a promise completed twice keeps its first result).
                connected.sink.cancel(xid: xid)
                promise.fail(CancellationError())
            }
        }
    }

    /// Closes the channel; later calls fail with `RPCError.Code.shutdown`.
    func shutdown() {
        shutdownSignal.signal()
        let (channel, waiters) = state.withLock { state -> ((ConnectedChannel)?, [Waiter]) in
            defer { state = .shutdown }
            switch state {
            case .connected(let channel): return (channel, [])
            case .connecting(let waiters): return (nil, waiters.map(\.waiter))
            case .idle, .shutdown: return (nil, [])
            }
        }
        channel?.channel.close(promise: nil)
        for waiter in waiters {
            waiter.resume(throwing: Self.shutdownError())
        }
    }
}

/// A connected channel and the client handler at the end of its pipeline, which takes calls
/// made on the channel's event loop straight from the connection.
struct ConnectedChannel: @unchecked Sendable {
    let channel: any Channel
    /// The handler and its context, used only on `channel`'s event loop while the channel is
    /// active (which makes sharing this value safe: the handler stays in the pipeline until the
    /// channel closes).
    let sink: any RPCCallSink
    let context: ChannelHandlerContext
}

extension EventLoopFuture where Value == any Channel {
    /// The channel this future gives, waited for in a way that a cancelled task stops at once
    /// (NIO's connect cannot be called off): a channel that connects after its caller has been
    /// cancelled is closed.
    func channelHonouringCancellation() async throws -> any Channel {
        let promise = eventLoop.makePromise(of: (any Channel).self)
        whenComplete { result in
            switch result {
            case .success(let channel):
                // Already failed by a cancellation: the channel is not wanted.
                promise.futureResult.whenFailure { _ in channel.close(promise: nil) }
                promise.succeed(channel)
            case .failure(let error):
                promise.fail(error)
            }
        }
        return try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            promise.fail(CancellationError())
        }
    }
}

extension Channel {
    /// This connected channel, with the `Handler` at the end of its pipeline as its call sink.
    func connected<Handler: RPCCallSink>(through handler: Handler.Type) async throws -> ConnectedChannel {
        try await eventLoop.submit {
            let operations = self.pipeline.syncOperations
            return ConnectedChannel(
                channel: self, sink: try operations.handler(type: Handler.self),
                context: try operations.context(handlerType: Handler.self))
        }.get()
    }
}
