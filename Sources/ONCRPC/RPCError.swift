/// An error of an ONC RPC call, on the client or in a server handler.
///
/// On the client it says how the call failed: a reply status from the server
/// (``Code-swift.struct/programUnavailable``, ``Code-swift.struct/authError``, …) or a local
/// failure (``Code-swift.struct/timedOut``, ``Code-swift.struct/connectionClosed``, …). A server
/// handler can throw one to choose the reply the caller gets; any other error it throws becomes
/// `SYSTEM_ERR`.
public struct RPCError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What went wrong: a reply status from the server or a local failure.
    ///
    /// A struct with a static member for each code (as grpc-swift's and swift-nio's error codes
    /// are), so that codes can be added without breaking anyone's `switch`. Two codes are equal
    /// when they are the same kind of failure; the details a server sends with some of them are
    /// properties: ``supportedVersions`` for ``programMismatch`` and ``rpcMismatch``,
    /// ``authStatus`` for ``authError``.
    ///
    /// ```swift
    /// switch error.code {
    /// case .programMismatch: print("versions \(error.code.supportedVersions!) are served")
    /// case .timedOut: retry()
    /// default: throw error
    /// }
    /// ```
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: Hashable, Sendable {
            case programUnavailable, programMismatch, procedureUnavailable, garbageArguments, systemError
            case rpcMismatch, authError, timedOut, connectionClosed, unreachable, notRegistered
            case invalidReply, replyTooLarge, encodingFailed, shutdown, noReply, registrationFailed
        }

        private let kind: Kind
        /// For ``programMismatch`` and ``rpcMismatch``: the lowest and highest versions the server
        /// supports, as it said (they are not checked to be in order).
        public let supportedVersions: RPCVersionRange?
        /// For ``authError``: the server's `auth_stat`.
        public let authStatus: RPCAuthStatus?

        private init(_ kind: Kind, supportedVersions: RPCVersionRange? = nil, authStatus: RPCAuthStatus? = nil) {
            self.kind = kind
            self.supportedVersions = supportedVersions
            self.authStatus = authStatus
        }

        /// `PROG_UNAVAIL`: the server does not serve the program.
        public static let programUnavailable = Code(.programUnavailable)
        /// `PROG_MISMATCH`: the server serves the program, at other versions only.
        public static let programMismatch = Code(.programMismatch)
        /// `PROG_MISMATCH`, serving versions `low` through `high` only.
        public static func programMismatch(low: UInt32, high: UInt32) -> Code {
            Code(.programMismatch, supportedVersions: RPCVersionRange(low: low, high: high))
        }
        /// `PROC_UNAVAIL`: the program has no such procedure.
        public static let procedureUnavailable = Code(.procedureUnavailable)
        /// `GARBAGE_ARGS`: the server could not decode the arguments.
        public static let garbageArguments = Code(.garbageArguments)
        /// `SYSTEM_ERR`: the server failed while handling the call.
        public static let systemError = Code(.systemError)
        /// `RPC_MISMATCH`: the server speaks other RPC versions only.
        public static let rpcMismatch = Code(.rpcMismatch)
        /// `RPC_MISMATCH`, speaking RPC versions `low` through `high` only.
        public static func rpcMismatch(low: UInt32, high: UInt32) -> Code {
            Code(.rpcMismatch, supportedVersions: RPCVersionRange(low: low, high: high))
        }
        /// `AUTH_ERROR`: the server refused the credentials or verifier.
        public static let authError = Code(.authError)
        /// `AUTH_ERROR` with the `auth_stat` `status`.
        public static func authError(_ status: RPCAuthStatus) -> Code {
            Code(.authError, authStatus: status)
        }
        /// No reply came within the call's timeout.
        public static let timedOut = Code(.timedOut)
        /// The connection closed before the reply came.
        public static let connectionClosed = Code(.connectionClosed)
        /// The server could not be reached.
        public static let unreachable = Code(.unreachable)
        /// rpcbind has no address for the program, version and transport asked for.
        public static let notRegistered = Code(.notRegistered)
        /// The reply could not be decoded, or did not fit the call.
        public static let invalidReply = Code(.invalidReply)
        /// The reply record is larger than the call accepts (the client's maximum reply size,
        /// or the call's ``RPCCallOptions/maximumReplySize``); its bytes were not buffered.
        public static let replyTooLarge = Code(.replyTooLarge)
        /// The arguments or results could not be encoded.
        public static let encodingFailed = Code(.encodingFailed)
        /// The client or server has shut down.
        public static let shutdown = Code(.shutdown)
        /// A server handler throws this to send no reply at all, as rpcbind does when a
        /// forwarded broadcast call (CALLIT) fails. Never seen by clients.
        public static let noReply = Code(.noReply)
        /// rpcbind refused to register (SET returned FALSE), could not be reached to do so, or
        /// holds a live registration of someone else.
        public static let registrationFailed = Code(.registrationFailed)

        /// Equal when the same kind of failure, whatever details come with it.
        public static func == (lhs: Code, rhs: Code) -> Bool {
            lhs.kind == rhs.kind
        }

        /// Hashes the kind of failure only, as `==` compares.
        public func hash(into hasher: inout Hasher) {
            hasher.combine(kind)
        }

        public var description: String {
            switch kind {
            case .programUnavailable: "program unavailable"
            case .programMismatch:
                supportedVersions.map { "program version mismatch (supported: \($0))" } ?? "program version mismatch"
            case .procedureUnavailable: "procedure unavailable"
            case .garbageArguments: "garbage arguments"
            case .systemError: "system error"
            case .rpcMismatch:
                supportedVersions.map { "RPC version mismatch (supported: \($0))" } ?? "RPC version mismatch"
            case .authError: authStatus.map { "authentication error (\($0))" } ?? "authentication error"
            case .timedOut: "timed out"
            case .connectionClosed: "connection closed"
            case .unreachable: "unreachable"
            case .notRegistered: "not registered"
            case .invalidReply: "invalid reply"
            case .replyTooLarge: "reply too large"
            case .encodingFailed: "encoding failed"
            case .shutdown: "shut down"
            case .noReply: "no reply"
            case .registrationFailed: "registration failed"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// A human-readable explanation.
    public var message: String
    /// The error underneath, if any.
    public var cause: (any Error & Sendable)?

    /// Creates an error.
    public init(code: Code, message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// One line a user can act on: the code and the message (`RPCError(unreachable): cannot
    /// connect to 127.0.0.1:1 over tcp: connection refused`). ``debugDescription`` adds the
    /// underlying error.
    public var description: String {
        "RPCError(\(code)): \(message)"
    }

    /// ``description`` and the error underneath, if any.
    public var debugDescription: String {
        guard let cause else { return description }
        return description + " (cause: \(String(reflecting: cause)))"
    }

    /// The reply a server sends when a handler throws this error, if it names a reply status.
    var replyBody: RPCReplyHeader.Body? {
        switch code {
        case .programUnavailable: .accepted(verifier: .none, status: .programUnavailable)
        case .programMismatch:
            .accepted(
                verifier: .none,
                status: .programMismatch(low: code.supportedVersions?.low ?? 0, high: code.supportedVersions?.high ?? 0))
        case .procedureUnavailable: .accepted(verifier: .none, status: .procedureUnavailable)
        case .garbageArguments: .accepted(verifier: .none, status: .garbageArguments)
        case .systemError: .accepted(verifier: .none, status: .systemError)
        case .rpcMismatch:
            .denied(.rpcMismatch(low: code.supportedVersions?.low ?? 2, high: code.supportedVersions?.high ?? 2))
        case .authError: .denied(.authError(code.authStatus ?? .tooWeak))
        default: nil
        }
    }
}

/// The versions a server supports, as a mismatch reply gives them (`low` through `high`).
public struct RPCVersionRange: Hashable, Sendable, CustomStringConvertible {
    /// The lowest version supported.
    public var low: UInt32
    /// The highest version supported.
    public var high: UInt32

    /// Creates a range.
    public init(low: UInt32, high: UInt32) {
        self.low = low
        self.high = high
    }

    /// `low-high`.
    public var description: String { "\(low)-\(high)" }
}
