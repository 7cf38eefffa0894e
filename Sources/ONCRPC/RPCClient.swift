import Logging
import NIOCore
import Synchronization
public import XDR

/// An ONC RPC client over any ``RPCClientTransport``: builds call messages, matches the reply,
/// and turns every reply status into a result or an ``RPCError``.
///
/// It is a value that many tasks may use at once; on TCP their calls share one connection.
///
/// A call whose task is cancelled fails at once with `CancellationError` (with the NIO
/// transports): it leaves the table of calls in flight, is not sent again over UDP, and a reply
/// that comes later is dropped; the connection carries on with the other calls. A call made in
/// a task already cancelled is not sent.
/// Get one from ``withRPCClient(transport:defaultOptions:decodingOptions:isolation:_:)``, which runs the transport for the
/// scope of a closure.
///
/// Its calls run on their caller's executor (`nonisolated(nonsending)`), as do the transports'
/// ``RPCClientTransport/roundTrip(_:xid:options:)``: a call builds its message and hands it to
/// the transport without an executor switch, so one made on the transport's event loop
/// (`withTaskExecutorPreference(transport.taskExecutor)`) reaches the socket with no hop at all.
public struct RPCClient: Sendable {
    /// The transport calls travel on.
    public let transport: any RPCClientTransport
    /// Options used when a call gives none.
    public var defaultOptions: RPCCallOptions
    /// Limits for decoding results (generated stubs' too): by default the same as a server's
    /// for arguments, a nesting depth of 256 and 64 MiB of allocations per reply.
    public var decodingOptions: XDRDecodingOptions
    let state: ClientState

    /// Creates a client over `transport`. The transport must be running (see
    /// ``withRPCClient(transport:defaultOptions:decodingOptions:isolation:_:)``).
    public init(
        transport: any RPCClientTransport,
        defaultOptions: RPCCallOptions = .default,
        decodingOptions: XDRDecodingOptions = .default
    ) {
        self.transport = transport
        self.defaultOptions = defaultOptions
        self.decodingOptions = decodingOptions
        self.state = ClientState()
    }

    /// Calls `procedure` of `program`/`version` with `arguments` and decodes the result as
    /// `resultType`.
    public nonisolated(nonsending) func call<Arguments: XDREncodable, Result: XDRDecodable>(
        program: UInt32,
        version: UInt32,
        procedure: UInt32,
        arguments: Arguments,
        resultType: Result.Type = Result.self,
        options: RPCCallOptions? = nil
    ) async throws -> Result {
        try await call(
            program: program, version: version, procedure: procedure, options: options,
            encodeArguments: { try arguments.encode(to: &$0) },
            decodeResult: { try Result(from: &$0) })
    }

    /// Calls `procedure` of `program`/`version`, with the arguments written by `encodeArguments`
    /// and the result read by `decodeResult` (the form generated stubs use, so that bounds of
    /// typedefs such as `string name<255>` apply).
    ///
    /// `maximumArgumentsSize`, the most bytes the arguments can take (generated stubs pass it
    /// when the `.x` bounds them), sizes the call's buffer once, so writing the arguments never
    /// grows it; without it the buffer starts at 256 bytes and grows as needed.
    public nonisolated(nonsending) func call<Result>(
        program: UInt32,
        version: UInt32,
        procedure: UInt32,
        options: RPCCallOptions? = nil,
        maximumArgumentsSize: Int? = nil,
        encodeArguments: (inout XDRWriter) throws -> Void,
        decodeResult: (inout XDRReader) throws -> Result
    ) async throws -> Result {
        let options = options ?? defaultOptions
        let reply = try await exchange(
            program: program, version: version, procedure: procedure, options: options,
            maximumArgumentsSize: maximumArgumentsSize, encodeArguments: encodeArguments
        )
        let result: Result
        var reader = XDRReader(buffer: reply, options: decodingOptions)
        do {
            result = try decodeResult(&reader)
        } catch {
            throw RPCError(
                code: .invalidReply, message: "the results of procedure \(procedure) do not decode",
                cause: error as? XDRDecodingError)
        }
        let unread = reader.buffer.readableBytes
        if unread > 0 {
            try Self.resultsLeftBytes(unread, program: program, version: version, procedure: procedure, options: decodingOptions)
        }
        return result
    }

    static let logger = Logger(label: "oncrpc.client")

    /// A reply whose results end before its bytes do: an error under
    /// ``XDR/XDRDecodingOptions/rejectsTrailingBytes``, else a debug message.
    static func resultsLeftBytes(
        _ unread: Int, program: UInt32, version: UInt32, procedure: UInt32, options: XDRDecodingOptions
    ) throws {
        let text = "the reply to program \(program) version \(version) procedure \(procedure) has \(unread) bytes after its results"
        if options.rejectsTrailingBytes {
            throw RPCError(code: .invalidReply, message: text + " (a result read only in part?)")
        }
        logger.debug("\(text); ignored")
    }

    /// Calls the procedure `descriptor` names.
    public nonisolated(nonsending) func call<Arguments: XDREncodable, Result: XDRDecodable>(
        _ descriptor: RPCProcedureDescriptor<Arguments, Result>,
        _ arguments: Arguments,
        options: RPCCallOptions? = nil
    ) async throws -> Result {
        try await call(
            program: descriptor.program, version: descriptor.version, procedure: descriptor.procedure,
            options: options, maximumArgumentsSize: descriptor.maximumArgumentsSize,
            encodeArguments: { try arguments.encode(to: &$0) },
            decodeResult: { try Result(from: &$0) })
    }

    /// Calls procedure 0 (NULL) of `program`/`version`: a ping.
    public nonisolated(nonsending) func ping(program: UInt32, version: UInt32, options: RPCCallOptions? = nil)
        async throws
    {
        _ = try await call(
            program: program, version: version, procedure: 0, arguments: XDRVoid(), resultType: XDRVoid.self,
            options: options)
    }

    /// The largest call buffer sized from a procedure's maximum arguments size; above it the
    /// buffer starts smaller and grows, so a procedure whose arguments may be large but usually
    /// are not does not hold that much memory per call (large opaque data is referenced, not
    /// copied, anyway).
    static let largestReservedCall = 16 << 10

    /// The bytes to reserve for a call: the record mark's headroom, the call header with these
    /// credentials and verifier, and the arguments when their largest size is known and modest;
    /// 256 otherwise.
    static func callCapacity(credentials: RPCOpaqueAuth, verifier: RPCOpaqueAuth, maximumArgumentsSize: Int?) -> Int {
        guard let maximumArgumentsSize else { return 256 }
        // xid, CALL, rpcvers, prog, vers, proc, then each auth's flavor, length and padded body.
        let header = 24 + (8 + ((credentials.body.readableBytes + 3) & ~3)) + (8 + ((verifier.body.readableBytes + 3) & ~3))
        let total = RecordMarking.headroom + header + maximumArgumentsSize
        return total <= largestReservedCall ? total : 256
    }

    /// Sends the call and returns the reply positioned at the results of a `SUCCESS`.
    nonisolated(nonsending) func exchange(
        program: UInt32,
        version: UInt32,
        procedure: UInt32,
        options: RPCCallOptions,
        maximumArgumentsSize: Int? = nil,
        encodeArguments: (inout XDRWriter) throws -> Void
    ) async throws -> ByteBuffer {
        var triedShort = false
        while true {
            let xid = state.nextXID()
            let (credentials, verifier, usedShort) = state.credentials(for: options.credentials)
            var writer = XDRWriter(
                capacity: Self.callCapacity(
                    credentials: credentials, verifier: verifier, maximumArgumentsSize: maximumArgumentsSize))
            writer.referenceThreshold = RPCMessageBytes.referenceThreshold
            writer.buffer.moveWriterIndex(forwardBy: RecordMarking.headroom)
            writer.buffer.moveReaderIndex(forwardBy: RecordMarking.headroom)
            do {
                try RPCCallHeader(
                    xid: xid, program: program, version: version, procedure: procedure,
                    credentials: credentials, verifier: verifier
                ).encode(to: &writer)
                try encodeArguments(&writer)
            } catch {
                throw RPCError(
                    code: .encodingFailed, message: "the arguments of procedure \(procedure) do not encode",
                    cause: error as? XDREncodingError)
            }
            let reply: ByteBuffer
            do {
                // The message is handed over, not shared with the writer or kept here, so the
                // transport can frame it in place.
                reply = try await transport.roundTrip(
                    gathering: RPCMessageBytes(consume writer), xid: xid, options: options)
            } catch var error as RPCError where error.code == .timedOut {
                error.message += " (program \(program) version \(version) procedure \(procedure))"
                throw error
            }
            if let results = Self.resultsOfPlainSuccess(reply, xid: xid) {
                return results
            }
            var reader = XDRReader(buffer: reply, options: decodingOptions)
            let header: RPCMessageHeader
            do {
                header = try RPCMessageHeader.decode(from: &reader)
            } catch {
                throw RPCError(
                    code: .invalidReply, message: "the reply header does not decode", cause: error as? XDRDecodingError)
            }
            guard case .reply(let replyHeader) = header, replyHeader.xid == xid else {
                throw RPCError(code: .invalidReply, message: "the transport returned a message that is not the reply")
            }
            switch replyHeader.body {
            case .accepted(let replyVerifier, let status):
                if case .sys(let parameters) = options.credentials, replyVerifier.flavor == .short {
                    state.remember(short: replyVerifier, for: parameters)
                }
                switch status {
                case .success:
                    return reader.buffer
                case .programUnavailable:
                    throw RPCError(code: .programUnavailable, message: "program \(program) is not available")
                case .programMismatch(let low, let high):
                    throw RPCError(
                        code: .programMismatch(low: low, high: high),
                        message: "program \(program) version \(version) is not served (versions \(low)-\(high) are)")
                case .procedureUnavailable:
                    throw RPCError(
                        code: .procedureUnavailable,
                        message: "program \(program) version \(version) has no procedure \(procedure)")
                case .garbageArguments:
                    throw RPCError(code: .garbageArguments, message: "the server could not decode the arguments")
                case .systemError:
                    throw RPCError(code: .systemError, message: "the server failed to handle the call")
                }
            case .denied(.rpcMismatch(let low, let high)):
                throw RPCError(
                    code: .rpcMismatch(low: low, high: high), message: "the server speaks RPC versions \(low)-\(high)")
            case .denied(.authError(let status)):
                if usedShort, !triedShort, case .sys(let parameters) = options.credentials {
                    // The server forgot our AUTH_SHORT credential: go back to the full one once.
                    state.forgetShort(for: parameters)
                    triedShort = true
                    continue
                }
                throw RPCError(code: .authError(status), message: "the server refused the credentials: \(status)")
            }
        }
    }
}

extension RPCClient {
    /// The results of `reply` when it is the common case, `xid REPLY MSG_ACCEPTED AUTH_NONE(empty)
    /// SUCCESS`, or `nil` for anything else (which the full decoder then reads). An AUTH_NONE
    /// verifier carries no AUTH_SHORT credential to remember, so nothing else needs the header.
    @inline(__always)
    static func resultsOfPlainSuccess(_ reply: ByteBuffer, xid: UInt32) -> ByteBuffer? {
        let start = reply.readerIndex
        guard reply.getInteger(at: start, as: UInt32.self) == xid,
            reply.getInteger(at: start + 4, as: UInt32.self) == RPCMessageType.reply.rawValue,
            // reply_stat, verifier flavor and length, accept_stat: all 0.
            reply.getInteger(at: start + 8, as: UInt64.self) == 0,
            reply.getInteger(at: start + 16, as: UInt64.self) == 0
        else { return nil }
        var results = reply
        results.moveReaderIndex(forwardBy: 24)
        return results
    }
}

/// State shared by the copies of a client: the next xid and any AUTH_SHORT credentials.
final class ClientState: Sendable {
    private let xid: Atomic<UInt32>
    private let shortCredentials = Mutex<[AuthSysParameters: RPCOpaqueAuth]>([:])

    init() {
        xid = Atomic(UInt32.random(in: 1...UInt32.max))
    }

    func nextXID() -> UInt32 {
        xid.wrappingAdd(1, ordering: .relaxed).newValue
    }

    func credentials(for credentials: RPCCredentials) -> (RPCOpaqueAuth, RPCOpaqueAuth, usedShort: Bool) {
        switch credentials {
        case .none:
            return (.none, .none, false)
        case .sys(let parameters):
            if let short = shortCredentials.withLock({ $0[parameters] }) {
                return (short, .none, true)
            }
            let full = (try? parameters.opaqueAuth()) ?? .none
            return (full, .none, false)
        case .opaque(let credentials, let verifier):
            return (credentials, verifier, false)
        }
    }

    func remember(short: RPCOpaqueAuth, for parameters: AuthSysParameters) {
        shortCredentials.withLock { $0[parameters] = short }
    }

    func forgetShort(for parameters: AuthSysParameters) {
        _ = shortCredentials.withLock { $0.removeValue(forKey: parameters) }
    }
}

/// Runs `transport` for the duration of `body` and hands `body` a client over it. When `body`
/// returns or throws, the transport shuts down gracefully and this function waits for it.
///
/// Results are decoded with `decodingOptions`: by default the same limits a server applies to
/// the arguments it decodes (see `XDRDecodingOptions`), so a hostile server's lists and lengths
/// cost no more than a hostile client's.
public func withRPCClient<Result: Sendable>(
    transport: some RPCClientTransport,
    defaultOptions: RPCCallOptions = .default,
    decodingOptions: XDRDecodingOptions = .default,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (RPCClient) async throws -> Result
) async throws -> Result {
    try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
        group.addTask {
            try await transport.run()
        }
        let client = RPCClient(transport: transport, defaultOptions: defaultOptions, decodingOptions: decodingOptions)
        let result: Result
        do {
            result = try await body(client)
        } catch {
            transport.beginGracefulShutdown()
            try? await group.waitForAll()
            throw error
        }
        transport.beginGracefulShutdown()
        try await group.waitForAll()
        return result
    }
}
