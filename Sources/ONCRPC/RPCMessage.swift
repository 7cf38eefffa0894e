import NIOCore
public import XDR

/// `msg_type` of RFC 5531 §9.
public enum RPCMessageType: UInt32, Sendable {
    /// `CALL` (0).
    case call = 0
    /// `REPLY` (1).
    case reply = 1
}

/// The header of a call message (`call_body` of RFC 5531 §9), without the arguments that follow.
public struct RPCCallHeader: Hashable, Sendable {
    /// The RPC protocol version this library speaks.
    public static let rpcVersion: UInt32 = 2

    /// The transaction id that matches the reply to the call.
    public var xid: UInt32
    /// `rpcvers`: must be 2.
    public var rpcVersion: UInt32
    /// The remote program number.
    public var program: UInt32
    /// The program's version.
    public var version: UInt32
    /// The procedure number.
    public var procedure: UInt32
    /// The caller's credentials.
    public var credentials: RPCOpaqueAuth
    /// The caller's verifier.
    public var verifier: RPCOpaqueAuth

    /// Creates a call header.
    public init(
        xid: UInt32,
        rpcVersion: UInt32 = RPCCallHeader.rpcVersion,
        program: UInt32,
        version: UInt32,
        procedure: UInt32,
        credentials: RPCOpaqueAuth = .none,
        verifier: RPCOpaqueAuth = .none
    ) {
        self.xid = xid
        self.rpcVersion = rpcVersion
        self.program = program
        self.version = version
        self.procedure = procedure
        self.credentials = credentials
        self.verifier = verifier
    }

    /// Writes `xid`, `CALL` and the call body up to (not including) the arguments.
    public func encode(to writer: inout XDRWriter) throws {
        writer.writeUInt32(xid)
        writer.writeUInt32(RPCMessageType.call.rawValue)
        writer.writeUInt32(rpcVersion)
        writer.writeUInt32(program)
        writer.writeUInt32(version)
        writer.writeUInt32(procedure)
        try writer.write(credentials, field: "cred")
        try writer.write(verifier, field: "verf")
    }
}

/// `accept_stat` and its data (RFC 5531 §9): how an accepted call ended.
public enum RPCAcceptedStatus: Hashable, Sendable {
    /// `SUCCESS` (0): the results follow.
    case success
    /// `PROG_UNAVAIL` (1).
    case programUnavailable
    /// `PROG_MISMATCH` (2) with the lowest and highest versions supported.
    case programMismatch(low: UInt32, high: UInt32)
    /// `PROC_UNAVAIL` (3).
    case procedureUnavailable
    /// `GARBAGE_ARGS` (4).
    case garbageArguments
    /// `SYSTEM_ERR` (5).
    case systemError
}

/// `rejected_reply` of RFC 5531 §9.
public enum RPCRejectedReply: Hashable, Sendable {
    /// `RPC_MISMATCH` (0) with the lowest and highest RPC versions supported.
    case rpcMismatch(low: UInt32, high: UInt32)
    /// `AUTH_ERROR` (1) with the reason.
    case authError(RPCAuthStatus)
}

/// The header of a reply message (`reply_body` of RFC 5531 §9), without any results.
public struct RPCReplyHeader: Hashable, Sendable {
    /// `MSG_ACCEPTED` or `MSG_DENIED`.
    public enum Body: Hashable, Sendable {
        /// `MSG_ACCEPTED` (0): a verifier and an `accept_stat`.
        case accepted(verifier: RPCOpaqueAuth, status: RPCAcceptedStatus)
        /// `MSG_DENIED` (1).
        case denied(RPCRejectedReply)
    }

    /// The transaction id of the call this answers.
    public var xid: UInt32
    /// What the server said.
    public var body: Body

    /// Creates a reply header.
    public init(xid: UInt32, body: Body) {
        self.xid = xid
        self.body = body
    }

    /// Writes `xid`, `REPLY` and the reply body up to (not including) any results.
    public func encode(to writer: inout XDRWriter) throws {
        writer.writeUInt32(xid)
        writer.writeUInt32(RPCMessageType.reply.rawValue)
        switch body {
        case .accepted(let verifier, let status):
            writer.writeUInt32(0)
            try writer.write(verifier, field: "verf")
            switch status {
            case .success: writer.writeUInt32(0)
            case .programUnavailable: writer.writeUInt32(1)
            case .programMismatch(let low, let high):
                writer.writeUInt32(2)
                writer.writeUInt32(low)
                writer.writeUInt32(high)
            case .procedureUnavailable: writer.writeUInt32(3)
            case .garbageArguments: writer.writeUInt32(4)
            case .systemError: writer.writeUInt32(5)
            }
        case .denied(let rejection):
            writer.writeUInt32(1)
            switch rejection {
            case .rpcMismatch(let low, let high):
                writer.writeUInt32(0)
                writer.writeUInt32(low)
                writer.writeUInt32(high)
            case .authError(let status):
                writer.writeUInt32(1)
                writer.writeUInt32(status.rawValue)
            }
        }
    }

    /// Reads the rest of a reply header after its `xid` and `REPLY` words have been read.
    public static func decodeBody(from reader: inout XDRReader) throws -> Body {
        let replyStat = try reader.readUInt32()
        switch replyStat {
        case 0:
            let verifier = try reader.read(RPCOpaqueAuth.self, field: "verf")
            let acceptStat = try reader.readUInt32()
            let status: RPCAcceptedStatus
            switch acceptStat {
            case 0: status = .success
            case 1: status = .programUnavailable
            case 2: status = .programMismatch(low: try reader.readUInt32(), high: try reader.readUInt32())
            case 3: status = .procedureUnavailable
            case 4: status = .garbageArguments
            case 5: status = .systemError
            default:
                throw reader.error(.invalidEnumValue, "accept_stat \(acceptStat) is not defined", at: reader.offset - 4)
            }
            return .accepted(verifier: verifier, status: status)
        case 1:
            let rejectStat = try reader.readUInt32()
            switch rejectStat {
            case 0: return .denied(.rpcMismatch(low: try reader.readUInt32(), high: try reader.readUInt32()))
            case 1: return .denied(.authError(RPCAuthStatus(rawValue: try reader.readUInt32())))
            default:
                throw reader.error(.invalidEnumValue, "reject_stat \(rejectStat) is not defined", at: reader.offset - 4)
            }
        default:
            throw reader.error(
                .invalidUnionDiscriminant, "reply_stat \(replyStat) is not defined", at: reader.offset - 4)
        }
    }
}

/// A decoded message header: a call or a reply, with the reader positioned at the arguments or
/// results that follow.
public enum RPCMessageHeader: Hashable, Sendable {
    /// A call.
    case call(RPCCallHeader)
    /// A reply.
    case reply(RPCReplyHeader)

    /// Reads a message header (`rpc_msg` up to the arguments or results).
    public static func decode(from reader: inout XDRReader) throws -> RPCMessageHeader {
        let xid = try reader.readUInt32()
        let type = try reader.readUInt32()
        switch type {
        case RPCMessageType.call.rawValue:
            let rpcVersion = try reader.readUInt32()
            let program = try reader.readUInt32()
            let version = try reader.readUInt32()
            let procedure = try reader.readUInt32()
            let credentials = try reader.read(RPCOpaqueAuth.self, field: "cred")
            let verifier = try reader.read(RPCOpaqueAuth.self, field: "verf")
            return .call(
                RPCCallHeader(
                    xid: xid, rpcVersion: rpcVersion, program: program, version: version,
                    procedure: procedure, credentials: credentials, verifier: verifier))
        case RPCMessageType.reply.rawValue:
            return .reply(RPCReplyHeader(xid: xid, body: try RPCReplyHeader.decodeBody(from: &reader)))
        default:
            throw reader.error(.invalidUnionDiscriminant, "msg_type \(type) is neither CALL nor REPLY", at: 4)
        }
    }
}
