/// An error of an ONC RPC call, on the client or in a server handler.
///
/// On the client it says how the call failed: a reply status from the server
/// (``Code-swift.enum/programUnavailable``, ``Code-swift.enum/authError(_:)``, …) or a local
/// failure (``Code-swift.enum/timedOut``, ``Code-swift.enum/connectionClosed``, …). A server
/// handler can throw one to choose the reply the caller gets; any other error it throws becomes
/// `SYSTEM_ERR`.
public struct RPCError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: Hashable, Sendable, CustomStringConvertible {
        /// `PROG_UNAVAIL`: the server does not serve the program.
        case programUnavailable
        /// `PROG_MISMATCH`: the server serves the program, at versions `low` through `high` only.
        case programMismatch(low: UInt32, high: UInt32)
        /// `PROC_UNAVAIL`: the program has no such procedure.
        case procedureUnavailable
        /// `GARBAGE_ARGS`: the server could not decode the arguments.
        case garbageArguments
        /// `SYSTEM_ERR`: the server failed while handling the call.
        case systemError
        /// `RPC_MISMATCH`: the server speaks RPC versions `low` through `high` only.
        case rpcMismatch(low: UInt32, high: UInt32)
        /// `AUTH_ERROR`: the server refused the credentials or verifier.
        case authError(RPCAuthStatus)
        /// No reply came within the call's timeout.
        case timedOut
        /// The connection closed before the reply came.
        case connectionClosed
        /// The server could not be reached.
        case unreachable
        /// rpcbind has no address for the program, version and transport asked for.
        case notRegistered
        /// The reply could not be decoded, or did not fit the call.
        case invalidReply
        /// The reply record is larger than the call accepts (the client's maximum reply size,
        /// or the call's ``RPCCallOptions/maximumReplySize``); its bytes were not buffered.
        case replyTooLarge
        /// The arguments or results could not be encoded.
        case encodingFailed
        /// The client or server has shut down.
        case shutdown
        /// A server handler throws this to send no reply at all, as rpcbind does when a
        /// forwarded broadcast call (CALLIT) fails. Never seen by clients.
        case noReply
        /// rpcbind refused to register (SET returned FALSE) or could not be reached to do so.
        case registrationFailed

        public var description: String {
            switch self {
            case .programUnavailable: "program unavailable"
            case .programMismatch(let low, let high): "program version mismatch (supported: \(low)-\(high))"
            case .procedureUnavailable: "procedure unavailable"
            case .garbageArguments: "garbage arguments"
            case .systemError: "system error"
            case .rpcMismatch(let low, let high): "RPC version mismatch (supported: \(low)-\(high))"
            case .authError(let status): "authentication error (\(status))"
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

    public var description: String {
        var text = "RPCError(\(code)): \(message)"
        if let cause {
            text += " (cause: \(cause))"
        }
        return text
    }

    /// The reply a server sends when a handler throws this error, if it names a reply status.
    var replyBody: RPCReplyHeader.Body? {
        switch code {
        case .programUnavailable: .accepted(verifier: .none, status: .programUnavailable)
        case .programMismatch(let low, let high):
            .accepted(verifier: .none, status: .programMismatch(low: low, high: high))
        case .procedureUnavailable: .accepted(verifier: .none, status: .procedureUnavailable)
        case .garbageArguments: .accepted(verifier: .none, status: .garbageArguments)
        case .systemError: .accepted(verifier: .none, status: .systemError)
        case .rpcMismatch(let low, let high): .denied(.rpcMismatch(low: low, high: high))
        case .authError(let status): .denied(.authError(status))
        default: nil
        }
    }
}
