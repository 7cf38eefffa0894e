import Logging
import NIOCore
import ONCRPC

/// The server side of a datagram socket, on its event loop: each datagram is one call,
/// dispatched where it arrives. Calls answered without a handler are answered at once; a call
/// for a handler runs in a task started in place on the socket's event loop (``HandlerTasks``:
/// a handler that does not suspend is answered before the next datagram is read). A
/// retransmitted call is answered from the duplicate-request cache, or dropped while the first
/// is still running. Datagrams that come while `maximumCallsInFlight` calls run, or while
/// draining, are dropped (clients retransmit). Its calls-in-flight and draining state is a
/// ``ServerDatagramStateMachine``.
final class RPCServerDatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private let dispatcher: RPCDispatcher
    private let cache: RPCDuplicateRequestCache?
    private var socket: ServerDatagramStateMachine
    /// The tasks of the calls in flight.
    private let tasks: HandlerTasks
    /// Whether replies have been written since the last flush.
    private var unflushed = false
    /// Set while the handlers of a datagram just read run in place: replies then wait for
    /// `channelReadComplete`'s flush.
    private var runningQueuedCalls = false
    private var context: ChannelHandlerContext?
    /// The last peer seen, described (its text also names it in cache keys): formatting an
    /// address for every datagram cost more than the rest of the call's dispatch, and datagrams
    /// mostly come in runs from one peer.
    private var lastPeer: (address: SocketAddress, peer: RPCPeer)?
    /// Succeeds once draining has begun and no call is in flight.
    let idle: EventLoopPromise<Void>

    init(
        dispatcher: RPCDispatcher, cache: RPCDuplicateRequestCache?, maximumCallsInFlight: Int, eventLoop: any EventLoop
    ) {
        self.dispatcher = dispatcher
        self.cache = cache
        self.socket = ServerDatagramStateMachine(maximumCallsInFlight: maximumCallsInFlight)
        self.tasks = HandlerTasks(executor: EventLoopTaskExecutor(eventLoop: eventLoop))
        self.idle = eventLoop.makePromise()
    }

    /// The peer at `address`, described afresh only when it differs from the previous
    /// datagram's.
    private func peer(at address: SocketAddress) -> RPCPeer {
        if let lastPeer, lastPeer.address == address { return lastPeer.peer }
        let peer = RPCPeer(transport: .udp, address: address)
        lastPeer = (address, peer)
        return peer
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        if socket.removed() {
            idle.succeed()
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard socket.datagramArrived() else { return }
        let envelope = unwrapInboundIn(data)
        let peerAddress = envelope.remoteAddress
        let peer = peer(at: peerAddress)
        var key: RPCDuplicateRequestCache.Key?
        if let cache, let callKey = RPCDuplicateRequestCache.Key(call: envelope.data, peer: peer.address) {
            switch cache.lookup(callKey) {
            case .inProgress:
                return
            case .replay(let reply):
                send(reply, to: peerAddress, context: context)
                return
            case .new:
                key = callKey
            }
        }
        switch dispatcher.start(record: envelope.data, peer: peer) {
        case .finished(let reply):
            if let key { cache?.complete(key, reply: reply) }
            if let reply { send(reply, to: peerAddress, context: context) }
        case .pending(let call):
            let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
            socket.callStarted()
            tasks.enqueue(call) { [cache, key] reply in
                // A datagram is one buffer: a reply referencing large buffers is joined here, once.
                let reply = reply?.joined
                if let key { cache?.complete(key, reply: reply) }
                loopBound.value.complete(reply, to: peerAddress)
            }
            runningQueuedCalls = true
            tasks.runQueued()
            runningQueuedCalls = false
        }
    }

    private func send(_ reply: ByteBuffer, to peer: SocketAddress, context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: peer, data: reply)), promise: nil)
        unflushed = true
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if unflushed {
            unflushed = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    /// A handler finished: send its reply, at once when it had suspended, otherwise with the
    /// flush of the read that brought the call.
    private func complete(_ reply: ByteBuffer?, to peer: SocketAddress) {
        let becameIdle = socket.callFinished()
        if let reply, let context {
            send(reply, to: peer, context: context)
            if !runningQueuedCalls {
                unflushed = false
                context.flush()
            }
        }
        if becameIdle {
            idle.succeed()
        }
    }

    /// Stops taking calls; ``idle`` succeeds once the calls in flight are answered (or, when
    /// `cancellingCalls`, once their cancelled tasks have returned).
    func drain(cancellingCalls: Bool = false) {
        if socket.drain(cancelledCalls: cancellingCalls ? tasks.cancelAll() : 0) {
            idle.succeed()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A datagram socket reports ICMP errors from earlier replies here; keep serving.
    }
}
