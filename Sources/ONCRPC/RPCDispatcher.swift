public import Logging
public import NIOCore
public import XDR

/// The transport-independent heart of a server: turns one call record into one reply record.
///
/// It checks the RPC version and credentials, routes by program, version and procedure, runs the
/// handler, and encodes every reply status of RFC 5531 faithfully. A record that is not a
/// decodable call has no reply (`nil`): the transport drops it and keeps serving.
public final class RPCDispatcher: Sendable {
    /// The routes served.
    public let router: RPCRouter
    /// Limits for decoding arguments.
    public let decodingOptions: XDRDecodingOptions
    /// The logger for dispatch events.
    public let logger: Logger

    /// Creates a dispatcher.
    public init(router: RPCRouter, decodingOptions: XDRDecodingOptions = .default, logger: Logger) {
        self.router = router
        self.decodingOptions = decodingOptions
        self.logger = logger
    }

    /// Handles one call record from `peer` and returns the reply record, or `nil` when the record
    /// is not a call that can be answered. The reply keeps ``RecordMarking/headroom`` free bytes
    /// before its reader index.
    public func handle(record: ByteBuffer, peer: RPCPeer) async -> ByteBuffer? {
        switch start(record: record, peer: peer) {
        case .finished(let reply): reply
        case .pending(let call): await call.run()
        }
    }

    /// Does the synchronous part of handling one call record: decodes the header, checks the
    /// credentials and routes it. Calls answered without a handler (errors, an implicit NULL)
    /// are ``RPCDispatchStart/finished(_:)``; a call for a handler is
    /// ``RPCDispatchStart/pending(_:)``, to be run in an asynchronous context. Transports use
    /// this to answer what they can on their I/O thread without starting a task.
    public func start(record: ByteBuffer, peer: RPCPeer) -> RPCDispatchStart {
        var reader = XDRReader(buffer: record, options: decodingOptions)
        // xid, msg_type, rpcvers, prog, vers, proc: without them there is nothing to answer.
        guard record.readableBytes >= 24,
            let xid = try? reader.readUInt32(),
            let type = try? reader.readUInt32(),
            let rpcVersion = try? reader.readUInt32(),
            let program = try? reader.readUInt32(),
            let version = try? reader.readUInt32(),
            let procedure = try? reader.readUInt32()
        else {
            logger.debug("dropping a record too short for a call header", metadata: ["peer": "\(peer)"])
            return .finished(nil)
        }
        guard type == RPCMessageType.call.rawValue else {
            logger.debug("dropping a message that is not a call", metadata: ["peer": "\(peer)", "msg_type": "\(type)"])
            return .finished(nil)
        }
        if rpcVersion != RPCCallHeader.rpcVersion {
            return .finished(reply(xid: xid, .denied(.rpcMismatch(low: 2, high: 2))))
        }
        let credentials: RPCOpaqueAuth
        let verifier: RPCOpaqueAuth
        do {
            credentials = try RPCOpaqueAuth(from: &reader)
        } catch let error as XDRDecodingError where error.code == .lengthExceedsMaximum {
            return .finished(reply(xid: xid, .denied(.authError(.badCredential))))
        } catch {
            logger.debug("dropping a call with truncated credentials", metadata: ["peer": "\(peer)"])
            return .finished(nil)
        }
        do {
            verifier = try RPCOpaqueAuth(from: &reader)
        } catch let error as XDRDecodingError where error.code == .lengthExceedsMaximum {
            return .finished(reply(xid: xid, .denied(.authError(.badVerifier))))
        } catch {
            logger.debug("dropping a call with a truncated verifier", metadata: ["peer": "\(peer)"])
            return .finished(nil)
        }

        var authSys: AuthSysParameters?
        switch credentials.flavor {
        case .none:
            break
        case .sys:
            guard let parameters = try? AuthSysParameters(xdrBytes: credentials.body, options: decodingOptions) else {
                return .finished(reply(xid: xid, .denied(.authError(.badCredential))))
            }
            authSys = parameters
        case .short:
            // This server never hands out AUTH_SHORT credentials, so any it is sent are stale.
            return .finished(reply(xid: xid, .denied(.authError(.rejectedCredential))))
        default:
            return .finished(reply(xid: xid, .denied(.authError(.badCredential))))
        }
        guard verifier.flavor == .none || verifier.flavor == .sys || verifier.flavor == .short else {
            return .finished(reply(xid: xid, .denied(.authError(.badVerifier))))
        }

        switch router.route(program: program, version: version, procedure: procedure) {
        case .programUnavailable:
            return .finished(reply(xid: xid, .accepted(verifier: .none, status: .programUnavailable)))
        case .programMismatch(let low, let high):
            return .finished(
                reply(xid: xid, .accepted(verifier: .none, status: .programMismatch(low: low, high: high))))
        case .procedureUnavailable:
            return .finished(reply(xid: xid, .accepted(verifier: .none, status: .procedureUnavailable)))
        case .null:
            var writer = Self.replyWriter(capacity: 40)
            Self.writeSuccessHeader(xid: xid, to: &writer)
            return .finished(writer.buffer)
        case .method(let method):
            let header = RPCCallHeader(
                xid: xid, rpcVersion: rpcVersion, program: program, version: version, procedure: procedure,
                credentials: credentials, verifier: verifier)
            return .pending(
                RPCPendingCall(
                    dispatcher: self, method: method, arguments: reader.buffer,
                    context: RPCServerContext(call: header, authSys: authSys, peer: peer, logger: logger)))
        }
    }

    /// Runs `method` on `arguments` and returns the reply record (see ``RPCPendingCall/run()``),
    /// with results' large buffers referenced rather than copied. It runs on its caller's
    /// executor (`nonisolated(nonsending)`), as does the method's stored closure: the transports
    /// call it from a task already on the connection's event loop, so there is no executor check
    /// to pay on the way to the handler.
    nonisolated(nonsending) func invoke(_ method: RPCMethod, arguments: ByteBuffer, context: RPCServerContext) async
        -> RPCMessageBytes?
    {
        let xid = context.call.xid
        var writer = Self.replyWriter(capacity: Self.replyCapacity(maximumResultSize: method.maximumResultSize))
        writer.referenceThreshold = RPCMessageBytes.referenceThreshold
        Self.writeSuccessHeader(xid: xid, to: &writer)
        do {
            try await method.invoke(arguments, decodingOptions, context, &writer)
            return RPCMessageBytes(writer)
        } catch {
            // Metadata is built only here, off the path of a successful call.
            let metadata: Logger.Metadata = [
                "rpc.xid": "\(xid)", "rpc.procedure": "\(method.name)", "peer": "\(context.peer)",
                "error": "\(error)",
            ]
            if let rpcError = error as? RPCError, rpcError.code == .noReply {
                logger.debug("handler chose not to reply", metadata: metadata)
                return nil
            }
            if let rpcError = error as? RPCError, let body = rpcError.replyBody {
                logger.debug("call answered with an error reply", metadata: metadata)
                return RPCMessageBytes(first: reply(xid: xid, body))
            }
            if error is CancellationError {
                // The server is stopping at once, or the call's connection closed.
                logger.debug("handler cancelled; replying SYSTEM_ERR", metadata: metadata)
            } else {
                logger.error("handler failed; replying SYSTEM_ERR", metadata: metadata)
            }
        }
        return RPCMessageBytes(first: reply(xid: xid, .accepted(verifier: .none, status: .systemError)))
    }

    /// The bytes to reserve for a reply: the record mark's headroom, the accepted reply's
    /// header and the result, when the result's largest size is known and at most
    /// `RPCClient.largestReservedCall`; 128 otherwise.
    static func replyCapacity(maximumResultSize: Int?) -> Int {
        guard let maximumResultSize else { return 128 }
        // xid, REPLY, MSG_ACCEPTED, an empty AUTH_NONE verifier (flavor, length), SUCCESS.
        let total = RecordMarking.headroom + 24 + maximumResultSize
        return total <= RPCClient.largestReservedCall ? total : 128
    }

    /// A writer whose buffer keeps room for a record-marking header before the message.
    @inlinable
    static func replyWriter(capacity: Int = 128) -> XDRWriter {
        var buffer = ByteBufferAllocator().buffer(capacity: capacity)
        buffer.moveWriterIndex(forwardBy: RecordMarking.headroom)
        buffer.moveReaderIndex(forwardBy: RecordMarking.headroom)
        return XDRWriter(buffer: buffer)
    }

    /// Writes `xid REPLY MSG_ACCEPTED AUTH_NONE(empty) SUCCESS`.
    @inlinable
    static func writeSuccessHeader(xid: UInt32, to writer: inout XDRWriter) {
        writer.writeUInt32(xid)
        writer.writeUInt32(RPCMessageType.reply.rawValue)
        writer.writeUInt32(0)  // MSG_ACCEPTED
        writer.writeUInt64(0)  // verifier: AUTH_NONE, empty body
        writer.writeUInt32(0)  // SUCCESS
    }

    func reply(xid: UInt32, _ body: RPCReplyHeader.Body) -> ByteBuffer {
        var writer = Self.replyWriter(capacity: 40)
        // Reply headers hold no variable data beyond a verifier we build ourselves: cannot fail.
        try! RPCReplyHeader(xid: xid, body: body).encode(to: &writer)
        return writer.buffer
    }
}

/// The outcome of ``RPCDispatcher/start(record:peer:)``.
public enum RPCDispatchStart: Sendable {
    /// The call is answered (or dropped, `nil`) without running a handler.
    case finished(ByteBuffer?)
    /// The call needs its handler: run it with ``RPCPendingCall/run()``.
    case pending(RPCPendingCall)
}

/// A decoded, routed call waiting for its handler to run.
public struct RPCPendingCall: Sendable {
    let dispatcher: RPCDispatcher
    let method: RPCMethod
    let arguments: ByteBuffer
    /// What the handler will be told about the call.
    public let context: RPCServerContext

    /// Runs the handler and returns the reply record: its results, the error status an
    /// ``RPCError`` asks for, `SYSTEM_ERR` for any other error, or `nil` when the handler chose
    /// not to reply. The reply keeps ``RecordMarking/headroom`` free bytes before its reader index.
    /// It runs on its caller's executor (`nonisolated(nonsending)`), as the handler's method
    /// closure does.
    public nonisolated(nonsending) func run() async -> ByteBuffer? {
        await dispatcher.invoke(method, arguments: arguments, context: context)?.joined
    }

    /// Runs the handler as ``run()`` does and returns the reply as the buffers that hold it: large
    /// buffers of the results are referenced, not copied (see ``RPCMessageBytes``). For stream
    /// transports, which write them with gather I/O.
    public nonisolated(nonsending) func runGathering() async -> RPCMessageBytes? {
        await dispatcher.invoke(method, arguments: arguments, context: context)
    }
}
