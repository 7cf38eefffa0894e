import Logging
import NIOCore
import NIOEmbedded
import ONCRPC
import Testing

@testable import ONCRPCNIOTransport

/// Counts the flushes that reach it from the handlers after it.
private final class FlushCounter: ChannelOutboundHandler, @unchecked Sendable {
    typealias OutboundIn = ByteBuffer
    var flushes = 0

    func flush(context: ChannelHandlerContext) {
        flushes += 1
        context.flush()
    }
}

@Suite("When the stream client flushes the calls it writes")
struct ClientFlushTests {
    /// A client handler on an embedded channel, behind a flush counter.
    private static func channel() throws -> (EmbeddedChannel, FlushCounter) {
        let counter = FlushCounter()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([
            counter,
            RPCStreamClientHandler(
                maximumRecordSize: 1 << 16, maximumFragmentSize: 1 << 16, logger: Logger(label: "test")),
        ])
        return (channel, counter)
    }

    private static func call(_ xid: UInt32, on channel: EmbeddedChannel) -> OutstandingCall {
        var message = ByteBuffer()
        message.writeInteger(xid)
        message.writeInteger(UInt32(0))  // CALL
        return OutstandingCall(
            xid: xid, message: RPCMessageBytes(first: message), options: RPCCallOptions(),
            reply: .promise(channel.eventLoop.makePromise()))
    }

    /// A call whose message is `padding` bytes longer than the smallest.
    private static func call(_ xid: UInt32, padding: Int, on channel: EmbeddedChannel) -> OutstandingCall {
        var call = call(xid, on: channel)
        call.message.first.writeRepeatingByte(0, count: padding)
        return call
    }

    /// The xids of the records written so far, in order, with the buffers that held them.
    private static func writtenRecords(_ channel: EmbeddedChannel) throws -> [(xid: UInt32, buffer: Int)] {
        var records: [(xid: UInt32, buffer: Int)] = []
        var buffer = 0
        while var bytes = try channel.readOutbound(as: ByteBuffer.self) {
            while bytes.readableBytes >= 12 {
                let mark = bytes.readInteger(as: UInt32.self)!
                #expect(mark & RecordMarking.lastFragmentBit != 0)
                let length = Int(mark & ~RecordMarking.lastFragmentBit)
                records.append((bytes.getInteger(at: bytes.readerIndex, as: UInt32.self)!, buffer))
                bytes.moveReaderIndex(forwardBy: length)
            }
            #expect(bytes.readableBytes == 0)
            buffer += 1
        }
        return records
    }

    /// The xids of the records written so far.
    private static func writtenXIDs(_ channel: EmbeddedChannel) throws -> [UInt32] {
        try writtenRecords(channel).map(\.xid)
    }

    @Test func aCallWithNothingElseInFlightIsFlushedAtOnce() throws {
        let (channel, counter) = try Self.channel()
        channel.writeAndFlush(Self.call(1, on: channel), promise: nil)
        #expect(counter.flushes == 1)
        #expect(try Self.writtenXIDs(channel) == [1])
        _ = try? channel.finish()
    }

    @Test func callsMadeWhileOthersAreInFlightLeaveInOneFlushAtTheEndOfTheLoopsBatch() throws {
        let (channel, counter) = try Self.channel()
        channel.writeAndFlush(Self.call(1, on: channel), promise: nil)
        #expect(try Self.writtenXIDs(channel) == [1])
        for xid in UInt32(2)...5 {
            channel.writeAndFlush(Self.call(xid, on: channel), promise: nil)
        }
        // Written but not flushed: the flush waits for the tasks already queued on the loop.
        #expect(counter.flushes == 1)
        #expect(try Self.writtenXIDs(channel) == [])
        channel.embeddedEventLoop.run()
        #expect(counter.flushes == 2)
        #expect(try Self.writtenXIDs(channel) == [2, 3, 4, 5])
        _ = try? channel.finish()
    }

    @Test func smallCallsWrittenTogetherLeaveInOneBufferAndLargerOnesInOrderAfterThem() throws {
        let (channel, _) = try Self.channel()
        channel.writeAndFlush(Self.call(1, on: channel), promise: nil)
        #expect(try Self.writtenXIDs(channel) == [1])
        channel.writeAndFlush(Self.call(2, on: channel), promise: nil)
        channel.writeAndFlush(Self.call(3, on: channel), promise: nil)
        // Over the batching limit: written on its own, after the calls batched before it.
        channel.writeAndFlush(Self.call(4, padding: RecordBatch.recordLimit, on: channel), promise: nil)
        channel.writeAndFlush(Self.call(5, on: channel), promise: nil)
        channel.writeAndFlush(Self.call(6, on: channel), promise: nil)
        channel.embeddedEventLoop.run()
        let records = try Self.writtenRecords(channel)
        #expect(records.map(\.xid) == [2, 3, 4, 5, 6])
        #expect(records.map(\.buffer) == [0, 0, 1, 2, 2])
        _ = try? channel.finish()
    }

    @Test func aPutOffFlushStillHappensWhenTheCallsInFlightFail() throws {
        let (channel, counter) = try Self.channel()
        channel.writeAndFlush(Self.call(1, on: channel), promise: nil)
        channel.writeAndFlush(Self.call(2, on: channel), promise: nil)
        #expect(counter.flushes == 1)
        channel.pipeline.fireChannelInactive()
        channel.embeddedEventLoop.run()
        #expect(counter.flushes == 2)
        _ = try? channel.finish()
    }
}
