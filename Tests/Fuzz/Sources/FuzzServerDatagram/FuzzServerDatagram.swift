// Fuzzes the server's handling of one UDP datagram: the input is delivered twice (a call and
// its retransmission) to the UDP server's datagram handler, with the duplicate-request cache
// and the dispatcher in front of a small service. It must never crash; every reply sent must be
// a well-formed reply carrying the call's xid, addressed to the sender, and a retransmission
// must get the very same reply as the original.
import Dispatch
import Logging
import NIOCore
import NIOEmbedded
import ONCRPC
import XDR

@testable import ONCRPCNIOTransport

struct Failure: Error {}

let program: UInt32 = 0x2000_0101
let service = RPCServiceDefinition(
    program: program, version: 1,
    methods: [
        RPCMethod(procedure: 1, name: "ECHO") { (text: String, _) in text },
        RPCMethod(procedure: 2, name: "ADD") { (pair: [Int32], _) in pair.reduce(0, &+) },
        RPCMethod(procedure: 3, name: "FAIL") { (_: XDRVoid, _) -> XDRVoid in throw Failure() },
        RPCMethod(procedure: 4, name: "DENY") { (_: XDRVoid, _) -> XDRVoid in
            throw RPCError(code: .authError(.tooWeak), message: "no")
        },
        RPCMethod(procedure: 5, name: "SILENT") { (_: XDRVoid, _) -> XDRVoid in
            throw RPCError(code: .noReply, message: "no reply")
        },
        RPCMethod(procedure: 6, name: "BYTES") { (bytes: ByteBuffer, _) in bytes },
    ])
let dispatcher = RPCDispatcher(
    router: RPCRouter(services: [service]), logger: Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() }))
/// Shared by every input, as a server's cache is shared by every datagram.
let cache = RPCDuplicateRequestCache(capacity: 64)
let sender = try! SocketAddress(ipAddress: "127.0.0.1", port: 700)

func deliverTwice(_ datagram: ByteBuffer) async throws -> [AddressedEnvelope<ByteBuffer>] {
    let channel = NIOAsyncTestingChannel()
    let (handler, idle) = try await channel.eventLoop.submit {
        let handler = RPCServerDatagramHandler(
            dispatcher: dispatcher, cache: cache, maximumCallsInFlight: 4, eventLoop: channel.eventLoop)
        try channel.pipeline.syncOperations.addHandler(handler)
        return (NIOLoopBound(handler, eventLoop: channel.eventLoop), handler.idle.futureResult)
    }.get()
    try await channel.writeInbound(AddressedEnvelope(remoteAddress: sender, data: datagram))
    try await channel.writeInbound(AddressedEnvelope(remoteAddress: sender, data: datagram))
    try await channel.eventLoop.submit { handler.value.drain() }.get()
    try await idle.get()
    var replies: [AddressedEnvelope<ByteBuffer>] = []
    while let reply = try await channel.readOutbound(as: AddressedEnvelope<ByteBuffer>.self) {
        replies.append(reply)
    }
    _ = try? await channel.finish()
    return replies
}

/// One input: returns 0, or traps.
func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let datagram = ByteBuffer(bytes: UnsafeBufferPointer(start: data, count: size))
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var result: Result<[AddressedEnvelope<ByteBuffer>], any Error>!
    Task {
        do {
            result = .success(try await deliverTwice(datagram))
        } catch {
            result = .failure(error)
        }
        done.signal()
    }
    done.wait()
    let replies: [AddressedEnvelope<ByteBuffer>]
    do {
        replies = try result.get()
    } catch {
        fatalError("the channel failed: \(error)")
    }
    guard replies.count <= 2 else { fatalError("\(replies.count) replies to two datagrams") }
    for reply in replies {
        guard reply.remoteAddress == sender else { fatalError("a reply to \(reply.remoteAddress)") }
        var reader = XDRReader(buffer: reply.data, options: .strict)
        guard case .reply(let header)? = try? RPCMessageHeader.decode(from: &reader) else {
            fatalError("not a reply: \(reply.data.hexDump(format: .plain))")
        }
        guard header.xid == datagram.getInteger(at: datagram.readerIndex, as: UInt32.self) else {
            fatalError("a reply with xid \(header.xid) to \(datagram.hexDump(format: .plain))")
        }
    }
    if replies.count == 2, replies[0].data != replies[1].data {
        fatalError("the retransmission got a different reply")
    }
    return 0
}
