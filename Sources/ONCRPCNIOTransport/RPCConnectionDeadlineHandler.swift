import Logging
import NIOCore
import ONCRPC

/// The first handler of a served stream connection: closes the connection when a record takes
/// longer than `recordTimeout` to arrive (a client trickling bytes cannot hold it forever), or
/// when for `idleTimeout` nothing has been received and no call has been in flight.
///
/// It follows the record marking itself (it only reads fragment headers, never copies), so it
/// knows whether the connection is between records. It keeps no timer per call: one timer for
/// idleness, rescheduled from the time of the last read, and one armed only when a read ends in
/// the middle of a record.
final class RPCConnectionDeadlineHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let idleTimeout: TimeAmount?
    private let recordTimeout: TimeAmount?
    private let calls: RPCServerStreamHandler
    private let peer: String
    private let logger: Logger

    /// Bytes of the fragment body still to come (0 when a header comes next).
    private var fragmentRemaining = 0
    /// Whether the fragment being received is the record's last.
    private var fragmentIsLast = false
    /// The header bytes read so far, big-endian, and how many.
    private var header: UInt32 = 0
    private var headerBytes = 0
    /// Set while a record has begun and its last fragment has not fully arrived.
    private var midRecord = false
    /// When the record now arriving began, or nil between records.
    private var recordStart: NIODeadline?
    private var lastRead = NIODeadline.now()
    private var idleTimer: Scheduled<Void>?
    private var recordTimer: Scheduled<Void>?

    init(idleTimeout: Duration?, recordTimeout: Duration?, calls: RPCServerStreamHandler, peer: String, logger: Logger)
    {
        self.idleTimeout = idleTimeout.map(TimeAmount.init)
        self.recordTimeout = recordTimeout.map(TimeAmount.init)
        self.calls = calls
        self.peer = peer
        self.logger = logger
    }

    func channelActive(context: ChannelHandlerContext) {
        startIdleClock(context: context)
        context.fireChannelActive()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // An accepted connection may already be active when the pipeline is built.
        if context.channel.isActive {
            startIdleClock(context: context)
        }
    }

    /// Starts counting idleness from now, once per connection.
    private func startIdleClock(context: ChannelHandlerContext) {
        guard idleTimer == nil else { return }
        lastRead = .now()
        scheduleIdleCheck(context: context, at: lastRead)
    }

    func channelInactive(context: ChannelHandlerContext) {
        idleTimer?.cancel()
        recordTimer?.cancel()
        idleTimer = nil
        recordTimer = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        let startedRecord = follow(bytes)
        lastRead = .now()
        if midRecord {
            if startedRecord || recordStart == nil {
                recordStart = lastRead
            }
            if recordTimer == nil, let recordTimeout, let recordStart {
                scheduleRecordCheck(context: context, at: recordStart + recordTimeout)
            }
        } else {
            recordStart = nil
        }
        context.fireChannelRead(data)
    }

    /// Follows the fragment headers in `bytes`; returns whether a record began in them.
    private func follow(_ bytes: ByteBuffer) -> Bool {
        var startedRecord = false
        var offset = bytes.readerIndex
        let end = bytes.writerIndex
        while offset < end {
            if fragmentRemaining > 0 {
                let taken = min(end - offset, fragmentRemaining)
                fragmentRemaining -= taken
                offset += taken
                if fragmentRemaining == 0, fragmentIsLast {
                    midRecord = false
                }
                continue
            }
            if !midRecord {
                midRecord = true
                startedRecord = true
            }
            header = header << 8 | UInt32(bytes.getInteger(at: offset, as: UInt8.self)!)
            headerBytes += 1
            offset += 1
            if headerBytes == 4 {
                fragmentRemaining = Int(header & ~RecordMarking.lastFragmentBit)
                fragmentIsLast = header & RecordMarking.lastFragmentBit != 0
                header = 0
                headerBytes = 0
                if fragmentRemaining == 0, fragmentIsLast {
                    midRecord = false
                }
            }
        }
        return startedRecord
    }

    private func scheduleIdleCheck(context: ChannelHandlerContext, at start: NIODeadline) {
        guard let idleTimeout else { return }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        idleTimer = context.eventLoop.scheduleTask(deadline: start + idleTimeout) {
            let (handler, context) = loopBound.value
            handler.checkIdle(context: context)
        }
    }

    private func checkIdle(context: ChannelHandlerContext) {
        guard let idleTimeout, context.channel.isActive else { return }
        let now = NIODeadline.now()
        if midRecord || calls.hasCallsInFlight {
            // Busy: the record timeout or the calls govern; idleness counts from now.
            lastRead = now
        }
        let lastActivity = max(lastRead, calls.lastCompletion)
        if now - lastActivity >= idleTimeout {
            logger.debug("closing an idle connection", metadata: ["peer": "\(peer)"])
            context.close(promise: nil)
        } else {
            scheduleIdleCheck(context: context, at: lastActivity)
        }
    }

    private func scheduleRecordCheck(context: ChannelHandlerContext, at deadline: NIODeadline) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        recordTimer = context.eventLoop.scheduleTask(deadline: deadline) {
            let (handler, context) = loopBound.value
            handler.checkRecord(context: context)
        }
    }

    private func checkRecord(context: ChannelHandlerContext) {
        recordTimer = nil
        guard let recordTimeout, let recordStart, midRecord, context.channel.isActive else { return }
        if NIODeadline.now() - recordStart >= recordTimeout {
            logger.debug("closing a connection whose record arrives too slowly", metadata: ["peer": "\(peer)"])
            context.close(promise: nil)
        } else {
            scheduleRecordCheck(context: context, at: recordStart + recordTimeout)
        }
    }
}
