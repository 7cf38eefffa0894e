// Fuzzes the client's reply path: arbitrary bytes as the server's side of a TCP connection (cut
// into reads) or as UDP datagrams, into the real client handlers with four calls in flight
// (xids 1 to 4, each with its own reply limit). Every call must end, with a reply, an error or
// its timeout once the clock passes it; a reply must carry its call's xid and fit its limit;
// nothing may crash, and what the handler keeps is bounded by the record limit.
//
// The first byte chooses TCP (even) or UDP (odd). Over TCP the second byte says how the rest is
// cut into reads (1 to 256 bytes each); over UDP the rest is datagrams, each after a two-byte
// big-endian length.
import Logging
import NIOCore
import NIOEmbedded
import ONCRPC

@testable import ONCRPCNIOTransport

let logger = Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() })
let remote = try! SocketAddress(ipAddress: "127.0.0.1", port: 111)
/// The calls' reply limits: the handler's own (nil), and smaller and larger ones of their own.
let limits: [Int?] = [nil, 64, 600, 8 << 10]
let recordLimit = 2048

/// The outcome of one call.
final class Outcome {
    var reply: ByteBuffer?
    var error: (any Error)?
    var done: Bool { reply != nil || error != nil }
}

func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 2 else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let overUDP = bytes[0] & 1 == 1
    let cut = Int(bytes[1]) + 1
    let stream = Array(bytes[2...])

    let loop = EmbeddedEventLoop()
    let channel = EmbeddedChannel(loop: loop)
    do {
        if overUDP {
            try channel.pipeline.syncOperations.addHandler(RPCDatagramClientHandler(remote: remote, logger: logger))
        } else {
            try channel.pipeline.syncOperations.addHandler(
                RPCStreamClientHandler(maximumRecordSize: recordLimit, maximumFragmentSize: 512, logger: logger))
        }
        _ = try channel.connect(to: remote).wait()
    } catch {
        fatalError("the channel could not be set up: \(error)")
    }
    var outcomes: [Outcome] = []
    for (index, limit) in limits.enumerated() {
        let outcome = Outcome()
        outcomes.append(outcome)
        let promise = loop.makePromise(of: ByteBuffer.self)
        promise.futureResult.whenComplete { result in
            switch result {
            case .success(let reply): outcome.reply = reply
            case .failure(let error): outcome.error = error
            }
        }
        var message = ByteBuffer()
        message.writeInteger(UInt32(index + 1))
        message.writeRepeatingByte(0, count: 36)
        let options = RPCCallOptions(
            timeout: .seconds(Int64(5 + index)), retransmit: .fixed(.seconds(1)), maximumReplySize: limit)
        let call = OutstandingCall(
            xid: UInt32(index + 1), message: RPCMessageBytes(first: message), options: options,
            reply: .promise(promise))
        channel.pipeline.syncOperations.writeAndFlush(NIOAny(call), promise: nil)
        loop.run()  // a flush the handler put off
    }
    // The server's bytes, a piece at a time, with a little time passing between pieces.
    var offset = 0
    while offset < stream.count, channel.isActive {
        let piece: ByteBuffer
        if overUDP {
            guard offset + 2 <= stream.count else { break }
            let length = Int(stream[offset]) << 8 | Int(stream[offset + 1])
            offset += 2
            piece = ByteBuffer(bytes: stream[offset..<min(offset + length, stream.count)])
            offset += length
        } else {
            piece = ByteBuffer(bytes: stream[offset..<min(offset + cut, stream.count)])
            offset += cut
        }
        do {
            if overUDP {
                try channel.writeInbound(AddressedEnvelope(remoteAddress: remote, data: piece))
            } else {
                try channel.writeInbound(piece)
            }
        } catch {
            break  // the handler closed the connection: every call must have ended
        }
        loop.advanceTime(by: .milliseconds(10))  // runs what is due, retransmissions too
    }
    // Past every call's timeout.
    loop.advanceTime(by: .seconds(60))
    for (index, outcome) in outcomes.enumerated() {
        guard outcome.done else { fatalError("call \(index + 1) never ended") }
        if let reply = outcome.reply {
            guard reply.getInteger(at: reply.readerIndex, as: UInt32.self) == UInt32(index + 1) else {
                fatalError("call \(index + 1) got a reply to another xid")
            }
            let limit = limits[index] ?? (overUDP ? Int.max : recordLimit)
            guard reply.readableBytes <= limit else {
                fatalError("call \(index + 1) got a reply of \(reply.readableBytes) bytes over its limit \(limit)")
            }
        }
        if let error = outcome.error, !(error is RPCError) {
            fatalError("call \(index + 1) failed with \(error), not an RPCError")
        }
    }
    _ = try? channel.finish()
    return 0
}
