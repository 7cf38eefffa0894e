public import Logging
public import NIOCore
public import XDR

/// Where a call came from.
public struct RPCPeer: Hashable, Sendable, CustomStringConvertible {
    /// The kind of transport a call arrived on (the package's one transport type).
    @available(*, deprecated, renamed: "RPCTransportKind")
    public typealias Transport = RPCTransportKind

    /// The transport the call arrived on.
    public var transport: RPCTransportKind
    /// The peer's address as text (`ip:port`, a socket path, or a name).
    public var address: String
    /// Whether the peer is on this host (loopback or a Unix-domain socket).
    public var isLocal: Bool

    /// Creates a peer description.
    public init(transport: RPCTransportKind, address: String, isLocal: Bool) {
        self.transport = transport
        self.address = address
        self.isLocal = isLocal
    }

    public var description: String { "\(transport.rawValue):\(address)" }
}

/// What a handler knows about the call it is serving.
public struct RPCServerContext: Sendable {
    /// The call's header: xid, program, version, procedure, credentials, verifier.
    public var call: RPCCallHeader
    /// The caller's `AUTH_SYS` credentials, when it sent them.
    public var authSys: AuthSysParameters?
    /// Where the call came from.
    public var peer: RPCPeer
    /// The server's logger (the call's xid and procedure are in ``call``).
    public var logger: Logger

    /// Creates a context.
    public init(call: RPCCallHeader, authSys: AuthSysParameters?, peer: RPCPeer, logger: Logger) {
        self.call = call
        self.authSys = authSys
        self.peer = peer
        self.logger = logger
    }
}

/// One procedure of a service, with its arguments and result types erased: it reads the
/// arguments from the call, runs the handler and writes the result.
public struct RPCMethod: Sendable {
    /// The procedure number.
    public let procedure: UInt32
    /// The procedure's name, for logs.
    public let name: String
    /// The most bytes the result takes on the wire, when the `.x` bounds it (generated services
    /// pass it): the reply's buffer is sized for it once.
    public let maximumResultSize: Int?
    @usableFromInline
    let invoke:
        nonisolated(nonsending) @Sendable (ByteBuffer, XDRDecodingOptions, RPCServerContext, inout XDRWriter)
            async throws -> Void

    /// Creates a method whose arguments are read by `decodeArguments` and whose result is written
    /// by `encodeResult` (the form generated services use).
    ///
    /// Arguments that do not decode become `GARBAGE_ARGS`; an ``RPCError`` thrown by the handler
    /// picks the reply; any other error becomes `SYSTEM_ERR`.
    @inlinable
    public init<Arguments: Sendable, Result: Sendable>(
        procedure: UInt32,
        name: String,
        maximumResultSize: Int? = nil,
        decodeArguments: @escaping @Sendable (inout XDRReader) throws -> Arguments,
        encodeResult: @escaping @Sendable (Result, inout XDRWriter) throws -> Void,
        handler: @escaping @Sendable (Arguments, RPCServerContext) async throws -> Result
    ) {
        self.procedure = procedure
        self.name = name
        self.maximumResultSize = maximumResultSize
        self.invoke = { buffer, options, context, writer in
            let arguments: Arguments
            do {
                var reader = XDRReader(buffer: buffer, options: options)
                arguments = try decodeArguments(&reader)
            } catch {
                throw RPCError(
                    code: .garbageArguments,
                    message: "arguments of \(name) do not decode",
                    cause: error as? XDRDecodingError)
            }
            let result = try await handler(arguments, context)
            do {
                try encodeResult(result, &writer)
            } catch {
                throw RPCError(
                    code: .systemError,
                    message: "result of \(name) does not encode",
                    cause: error as? XDREncodingError)
            }
        }
    }

    /// Creates a method whose handler takes decoded arguments and returns a result.
    ///
    /// Arguments that do not decode become `GARBAGE_ARGS`; an ``RPCError`` thrown by the handler
    /// picks the reply; any other error becomes `SYSTEM_ERR`.
    @inlinable
    public init<Arguments: XDRDecodable & Sendable, Result: XDREncodable & Sendable>(
        procedure: UInt32,
        name: String,
        arguments: Arguments.Type = Arguments.self,
        result: Result.Type = Result.self,
        handler: @escaping @Sendable (Arguments, RPCServerContext) async throws -> Result
    ) {
        self.init(
            procedure: procedure, name: name,
            maximumResultSize: (Result.self as? any XDRBoundedEncodable.Type)?.maximumEncodedSize,
            decodeArguments: { try Arguments(from: &$0) },
            encodeResult: { try $0.encode(to: &$1) },
            handler: handler)
    }
}

/// A program version served by an ``RPCServer``: its numbers and its procedures.
///
/// Generated `ServiceProtocol`s provide ``methods`` from their requirements; hand-written
/// services can build an ``RPCServiceDefinition``.
public protocol RPCService: Sendable {
    /// The program number.
    var program: UInt32 { get }
    /// The version number.
    var version: UInt32 { get }
    /// The procedures. Procedure 0 (NULL) is answered automatically when not listed.
    var methods: [RPCMethod] { get }
}

/// A service assembled from closures.
public struct RPCServiceDefinition: RPCService {
    /// The program number.
    public let program: UInt32
    /// The version number.
    public let version: UInt32
    /// The procedures.
    public let methods: [RPCMethod]

    /// Creates a service for `program`/`version` with `methods`.
    public init(program: UInt32, version: UInt32, methods: [RPCMethod]) {
        self.program = program
        self.version = version
        self.methods = methods
    }
}
