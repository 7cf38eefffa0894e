import NIOCore
import ONCRPC
import Synchronization

/// Makes a channel on demand, shares it between calls, and makes a new one on the next call
/// after it closes. The first caller that finds no channel connects, in its own task; the
/// others wait for it.
final class ClientConnection: Sendable {
    private typealias Waiter = CheckedContinuation<(any Channel)?, any Error>

    private enum State {
        case idle
        case connecting([Waiter])
        case connected(any Channel)
        case shutdown
    }

    private let state = Mutex<State>(.idle)
    private let connect: @Sendable () async throws -> any Channel
    private let shutdownSignal = ShutdownSignal()

    init(connect: @escaping @Sendable () async throws -> any Channel) {
        self.connect = connect
    }

    private static func shutdownError() -> RPCError {
        RPCError(code: .shutdown, message: "the client transport has shut down")
    }

    /// The live channel, connecting first when there is none.
    func channel() async throws -> any Channel {
        enum Action {
            case use(any Channel)
            case connect
            case wait
            case fail
        }
        while true {
            let action = state.withLock { state -> Action in
                switch state {
                case .connected(let channel) where channel.isActive:
                    return .use(channel)
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
                let channel = try await withCheckedThrowingContinuation { (waiter: Waiter) in
                    let queued = state.withLock { state -> Bool in
                        guard case .connecting(var waiters) = state else { return false }
                        waiters.append(waiter)
                        state = .connecting(waiters)
                        return true
                    }
                    if !queued {
                        waiter.resume(returning: nil)  // the state moved on: look again
                    }
                }
                if let channel {
                    return channel
                }
            }
        }
    }

    private func establish() async throws -> any Channel {
        let result: Result<any Channel, any Error>
        do {
            result = .success(try await connect())
        } catch let error as RPCError {
            result = .failure(error)
        } catch {
            result = .failure(
                RPCError(code: .unreachable, message: "cannot connect: \(error)", cause: error))
        }
        let (waiters, unwanted) = state.withLock { state -> ([Waiter], (any Channel)?) in
            guard case .connecting(let waiters) = state else {
                return ([], try? result.get())  // shut down while connecting
            }
            switch result {
            case .success(let channel): state = .connected(channel)
            case .failure: state = .idle
            }
            return (waiters, nil)
        }
        if let unwanted {
            unwanted.close(promise: nil)
            throw Self.shutdownError()
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
    func roundTrip(
        _ call: RPCMessageBytes,
        xid: UInt32,
        options: RPCCallOptions,
        sendFailure: RPCError.Code
    ) async throws -> ByteBuffer {
        let channel = try await self.channel()
        if channel.eventLoop.inEventLoop, channel.isActive {
            // On the channel's own thread an active channel cannot close before the handler
            // registers the call, and from then on the handler completes it, once, whatever
            // happens: the continuation can go to the handler directly.
            return try await withUnsafeThrowingContinuation { continuation in
                let outstanding = OutstandingCall(
                    xid: xid, message: call, options: options, reply: .continuation(continuation))
                channel.writeAndFlush(outstanding, promise: nil)
            }
        }
        let promise = channel.eventLoop.makePromise(of: ByteBuffer.self)
        let outstanding = OutstandingCall(xid: xid, message: call, options: options, reply: .promise(promise))
        channel.writeAndFlush(outstanding).whenFailure { error in
            promise.fail(RPCError(code: sendFailure, message: "the call could not be sent: \(error)", cause: error))
        }
        return try await promise.futureResult.get()
    }

    /// Closes the channel; later calls fail with ``RPCError/Code-swift.enum/shutdown``.
    func shutdown() {
        shutdownSignal.signal()
        let (channel, waiters) = state.withLock { state -> ((any Channel)?, [Waiter]) in
            defer { state = .shutdown }
            switch state {
            case .connected(let channel): return (channel, [])
            case .connecting(let waiters): return (nil, waiters)
            case .idle, .shutdown: return (nil, [])
            }
        }
        channel?.close(promise: nil)
        for waiter in waiters {
            waiter.resume(throwing: Self.shutdownError())
        }
    }
}
