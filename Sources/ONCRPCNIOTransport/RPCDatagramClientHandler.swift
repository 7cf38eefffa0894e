import Logging
import NIOCore
import ONCRPC

/// The client side of a datagram socket: one call per datagram, retransmitted by the call's
/// policy until its reply comes or its total timeout passes; replies matched by xid.
///
/// The calls in flight and the one retransmission timer's schedule are a
/// ``DatagramClientStateMachine``; this class does what it answers on the socket.
final class RPCDatagramClientHandler: ChannelDuplexHandler, RPCCallSink {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundIn = OutstandingCall
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private var calls = DatagramClientStateMachine()
    /// The one timer for retransmissions and timeouts, while it is set.
    private var timer: Scheduled<Void>?
    private let remote: SocketAddress
    private let logger: Logger

    init(remote: SocketAddress, logger: Logger) {
        self.remote = remote
        self.logger = logger
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        write(unwrapOutboundIn(data), context: context, promise: promise)
    }

    /// Registers `call` and writes its datagram (not flushed).
    func write(_ call: consuming OutstandingCall, context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        let message = call.message.joined
        let (replaced, timerAction) = calls.callSent(
            xid: call.xid,
            DatagramClientStateMachine.Call(
                reply: call.reply, message: message, options: call.options, now: context.eventLoop.now))
        replaced?.reply.fail(RPCError(code: .invalidReply, message: "another call took over xid \(call.xid)"))
        apply(timerAction, context: context)
        context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: remote, data: message)), promise: promise)
    }

    /// Sets the timer as the state machine says.
    private func apply(_ action: ClientTimerAction, context: ChannelHandlerContext) {
        guard case .schedule(let due) = action else { return }
        timer?.cancel()
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: due) {
            let (handler, context) = loopBound.value
            handler.timerFired(context: context)
        }
    }

    /// Sends again the calls that are due, fails those past their timeout, and sets the timer
    /// for the next one.
    private func timerFired(context: ChannelHandlerContext) {
        timer = nil
        let (timedOut, resend, timerAction) = calls.timerFired(now: context.eventLoop.now)
        for (xid, call) in timedOut {
            call.reply.fail(
                RPCError(
                    code: .timedOut,
                    message: "no reply to xid \(xid) within \(call.timeout) (\(call.transmissions) transmissions)"))
        }
        for message in resend {
            context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: remote, data: message)), promise: nil)
        }
        if !resend.isEmpty {
            context.flush()
        }
        apply(timerAction, context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let record = envelope.data
        guard let xid = replyXID(of: record) else {
            logger.debug("dropping a datagram that is not a reply", metadata: ["from": "\(envelope.remoteAddress)"])
            return
        }
        guard let entry = calls.replyArrived(xid: xid) else {
            logger.debug("dropping a reply with an unknown xid", metadata: ["xid": "\(xid)"])
            return
        }
        guard record.readableBytes <= entry.maximumReplySize else {
            entry.reply.fail(
                RPCStreamClientHandler.replyTooLarge(
                    xid: xid, size: record.readableBytes, limit: entry.maximumReplySize))
            return
        }
        entry.reply.succeed(record)
    }

    func cancel(xid: UInt32) {
        // Out of the table, so it is not sent again.
        calls.cancelled(xid: xid)?.reply.fail(CancellationError())
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP errors (for example "connection refused") surface here; the retransmission timer
        // keeps trying until the call's timeout.
        logger.debug("datagram socket error", metadata: ["error": "\(error)"])
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        for call in calls.socketClosed() {
            call.value.reply.fail(RPCError(code: .connectionClosed, message: "the client socket closed"))
        }
        context.fireChannelInactive()
    }
}
