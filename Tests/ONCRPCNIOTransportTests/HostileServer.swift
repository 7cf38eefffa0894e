import NIOCore
import NIOPosix
import ONCRPC
import Synchronization
import XDR

/// What a hostile server does with one call it reads: the bytes it sends back, each after a
/// delay, or an endless run of fragments that never ends a record.
enum HostileAnswer: Sendable {
    /// One reply message: over TCP in one last fragment, over UDP as a datagram.
    case record(ByteBuffer)
    /// One reply message as `record` sends it, after a delay.
    case recordAfter(TimeAmount, ByteBuffer)
    /// Each buffer is sent after its delay (counted from the one before), as it is.
    case writes([(delay: TimeAmount, bytes: ByteBuffer)])
    /// Non-final fragments of `size` bytes, one every `interval`, at most `count` of them; the
    /// first begins with `xid` if one is given.
    case endlessFragments(xid: UInt32?, size: Int, interval: TimeAmount, count: Int)
    /// One reply message as `record` sends it, once `gate` opens.
    case recordWhenOpen(ReplyGate, ByteBuffer)
    /// Nothing at all.
    case silence
}

/// Holds back the replies given to it until a test opens it, so that a test can order a reply
/// after something it does, without guessing at a delay.
final class ReplyGate: Sendable {
    private let state = Mutex<(isOpen: Bool, held: [@Sendable () -> Void])>((false, []))

    /// Runs `send` once the gate is open (at once if it is).
    func whenOpen(_ send: @escaping @Sendable () -> Void) {
        let sendNow = state.withLock { state -> Bool in
            if state.isOpen { return true }
            state.held.append(send)
            return false
        }
        if sendNow { send() }
    }

    /// Opens the gate: the held replies go now, and later ones at once.
    func open() {
        let held = state.withLock { state in
            state.isOpen = true
            defer { state.held = [] }
            return state.held
        }
        for send in held { send() }
    }
}

/// A server written for the tests that answers each call it reads as `script` says, given the
/// call's index on its connection (or among datagrams) and its xid. Over TCP the answer's bytes
/// go as they are (the script does its own record marking); over UDP each buffer is a datagram.
struct HostileServer: Sendable {
    typealias Script = @Sendable (_ index: Int, _ xid: UInt32) -> HostileAnswer
    /// A script given each call message whole.
    typealias CallScript = @Sendable (_ index: Int, _ call: ByteBuffer) -> HostileAnswer

    let tcpPort: Int
    let udpPort: Int

    /// A reply header `xid REPLY MSG_ACCEPTED <verifier> SUCCESS` followed by `results`.
    static func successReply(xid: UInt32, verifierBody: Int = 0, results: (inout XDRWriter) -> Void) -> ByteBuffer {
        var writer = XDRWriter()
        writer.writeUInt32(xid)
        writer.writeUInt32(1)  // REPLY
        writer.writeUInt32(0)  // MSG_ACCEPTED
        writer.writeUInt32(0)  // AUTH_NONE
        writer.writeUInt32(UInt32(verifierBody))
        writer.buffer.writeRepeatingByte(0, count: (verifierBody + 3) / 4 * 4)
        writer.writeUInt32(0)  // SUCCESS
        results(&writer)
        return writer.buffer
    }

    /// A successful reply carrying the XDR string `text`.
    static func stringReply(xid: UInt32, _ text: String) -> ByteBuffer {
        successReply(xid: xid) { writer in try! writer.write(text) }
    }

    /// `record` as one last fragment.
    static func framed(_ record: ByteBuffer) -> ByteBuffer {
        var out = ByteBuffer()
        RecordMarking.frame(record, into: &out, maximumFragmentSize: RecordMarking.maximumFragmentSize)
        return out
    }
}

/// Runs a hostile server on loopback TCP and UDP for `body`.
func withHostileServer<T>(
    _ script: @escaping HostileServer.Script,
    _ body: (HostileServer) async throws -> T
) async throws -> T {
    try await withHostileServer(calls: { index, call in script(index, call.getInteger(at: call.readerIndex)!) }, body)
}

/// Runs a hostile server on loopback TCP and UDP for `body`, its script given each call whole.
func withHostileServer<T>(
    calls script: @escaping HostileServer.CallScript,
    _ body: (HostileServer) async throws -> T
) async throws -> T {
    let group = MultiThreadedEventLoopGroup.singleton
    let tcp = try await ServerBootstrap(group: group)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .childChannelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(HostileStreamHandler(script: script))
            }
        }
        .bind(host: "127.0.0.1", port: 0).get()
    let udp = try await DatagramBootstrap(group: group)
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(HostileDatagramHandler(script: script))
            }
        }
        .bind(host: "127.0.0.1", port: 0).get()
    let server = HostileServer(tcpPort: tcp.localAddress!.port!, udpPort: udp.localAddress!.port!)
    do {
        let result = try await body(server)
        try? await tcp.close()
        try? await udp.close()
        return result
    } catch {
        try? await tcp.close()
        try? await udp.close()
        throw error
    }
}

/// Reads record-marked calls and answers each as the script says.
private final class HostileStreamHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let script: HostileServer.CallScript
    var decoder = RecordMarkingDecoder(maximumRecordSize: 1 << 20)
    var buffered = ByteBuffer()
    var index = 0

    init(script: @escaping HostileServer.CallScript) {
        self.script = script
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        buffered.writeBuffer(&bytes)
        while let record = try? decoder.decodeRecord(from: &buffered) {
            guard record.readableBytes >= 4 else { continue }
            let answer = script(index, record)
            index += 1
            perform(answer, context: context)
        }
    }

    private func perform(_ answer: HostileAnswer, context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        switch answer {
        case .silence:
            return
        case .record(let record):
            context.writeAndFlush(wrapOutboundOut(HostileServer.framed(record)), promise: nil)
        case .recordAfter(let delay, let record):
            let framed = HostileServer.framed(record)
            context.eventLoop.scheduleTask(in: delay) {
                let context = loopBound.value
                if context.channel.isActive {
                    context.writeAndFlush(NIOAny(framed), promise: nil)
                }
            }
        case .recordWhenOpen(let gate, let record):
            let framed = HostileServer.framed(record)
            let eventLoop = context.eventLoop
            gate.whenOpen {
                eventLoop.execute {
                    let context = loopBound.value
                    if context.channel.isActive {
                        context.writeAndFlush(NIOAny(framed), promise: nil)
                    }
                }
            }
        case .writes(let writes):
            var delay = TimeAmount.zero
            for (wait, bytes) in writes {
                delay = delay + wait
                if delay == .zero {
                    context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
                } else {
                    context.eventLoop.scheduleTask(in: delay) {
                        let context = loopBound.value
                        if context.channel.isActive {
                            context.writeAndFlush(NIOAny(bytes), promise: nil)
                        }
                    }
                }
            }
        case .endlessFragments(let xid, let size, let interval, let count):
            var bytes = ByteBuffer()
            bytes.writeInteger(UInt32(size))  // never the last
            bytes.writeRepeatingByte(0x41, count: size)
            let fragment = bytes
            if let xid {
                bytes.setInteger(xid, at: bytes.readerIndex + 4)
            }
            let first = bytes
            @Sendable func send(_ remaining: Int) {
                let context = loopBound.value
                guard remaining > 0, context.channel.isActive else { return }
                context.writeAndFlush(NIOAny(remaining == count ? first : fragment), promise: nil)
                context.eventLoop.scheduleTask(in: interval) { send(remaining - 1) }
            }
            send(count)
        }
    }
}

/// Answers each datagram as the script says; each buffer of an answer is one datagram.
private final class HostileDatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    let script: HostileServer.CallScript
    var index = 0

    init(script: @escaping HostileServer.CallScript) {
        self.script = script
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard envelope.data.readableBytes >= 4 else { return }
        let answer = script(index, envelope.data)
        index += 1
        let writes: [(delay: TimeAmount, bytes: ByteBuffer)]
        switch answer {
        case .record(let record): writes = [(.zero, record)]
        case .recordAfter(let delay, let record): writes = [(delay, record)]
        case .writes(let list): writes = list
        case .recordWhenOpen(let gate, let record):
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            let eventLoop = context.eventLoop
            let datagram = AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: record)
            gate.whenOpen {
                eventLoop.execute { loopBound.value.writeAndFlush(NIOAny(datagram), promise: nil) }
            }
            return
        case .endlessFragments, .silence: return
        }
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        var delay = TimeAmount.zero
        for (wait, bytes) in writes {
            delay = delay + wait
            let datagram = AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: bytes)
            context.eventLoop.scheduleTask(in: delay) {
                loopBound.value.writeAndFlush(NIOAny(datagram), promise: nil)
            }
        }
    }
}
