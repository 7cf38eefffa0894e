public import NIOCore
public import XDR

/// An authentication flavor number (`auth_flavor` of RFC 5531 §8.2). Unknown flavors keep their
/// number, so a server can reject them faithfully.
public struct RPCAuthFlavor: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The number on the wire.
    public var rawValue: UInt32

    /// Wraps a number from the wire.
    @inlinable
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `AUTH_NONE` (0).
    public static let none = RPCAuthFlavor(rawValue: 0)
    /// `AUTH_SYS`, also called `AUTH_UNIX` (1).
    public static let sys = RPCAuthFlavor(rawValue: 1)
    /// `AUTH_SHORT` (2): a shorthand a server may hand back in its verifier.
    public static let short = RPCAuthFlavor(rawValue: 2)
    /// `AUTH_DH` (3).
    public static let dh = RPCAuthFlavor(rawValue: 3)
    /// `RPCSEC_GSS` (6).
    public static let rpcsecGSS = RPCAuthFlavor(rawValue: 6)

    public var description: String {
        switch rawValue {
        case 0: "AUTH_NONE"
        case 1: "AUTH_SYS"
        case 2: "AUTH_SHORT"
        case 3: "AUTH_DH"
        case 6: "RPCSEC_GSS"
        default: "auth flavor \(rawValue)"
        }
    }
}

/// `opaque_auth` of RFC 5531 §8.2: a flavor and up to 400 bytes of body.
public struct RPCOpaqueAuth: XDRCodable, Hashable, Sendable {
    /// The largest body RFC 5531 allows.
    public static let maximumBodyLength = 400

    /// The flavor.
    public var flavor: RPCAuthFlavor
    /// The flavor-specific body, kept as bytes.
    public var body: ByteBuffer

    /// Creates an authenticator.
    @inlinable
    public init(flavor: RPCAuthFlavor, body: ByteBuffer = ByteBuffer()) {
        self.flavor = flavor
        self.body = body
    }

    /// `AUTH_NONE` with an empty body.
    public static let none = RPCOpaqueAuth(flavor: .none)

    /// Reads the XDR encoding.
    @inlinable
    public init(from reader: inout XDRReader) throws {
        flavor = RPCAuthFlavor(rawValue: try reader.readUInt32())
        body = try reader.withField("body") { try $0.readVariableOpaque(maxLength: Self.maximumBodyLength) }
    }

    /// Writes the XDR encoding.
    @inlinable
    public func encode(to writer: inout XDRWriter) throws {
        writer.writeUInt32(flavor.rawValue)
        try writer.withField("body") { try $0.writeVariableOpaque(body, maxLength: Self.maximumBodyLength) }
    }

    /// Writes an empty `AUTH_NONE` authenticator without allocating.
    @inlinable
    static func writeNone(to writer: inout XDRWriter) {
        writer.writeUInt64(0)
    }
}

/// `authsys_parms` of RFC 5531 Appendix A: the credentials of `AUTH_SYS`.
public struct AuthSysParameters: XDRCodable, Hashable, Sendable {
    /// The longest machine name allowed.
    public static let maximumMachineNameLength = 255
    /// The most supplementary groups allowed.
    public static let maximumGroups = 16

    /// An arbitrary id the caller's machine chooses.
    public var stamp: UInt32
    /// The caller's host name.
    public var machineName: String
    /// The caller's effective user id.
    public var uid: UInt32
    /// The caller's effective group id.
    public var gid: UInt32
    /// The caller's supplementary groups (at most 16).
    public var gids: [UInt32]

    /// Creates `AUTH_SYS` credentials.
    public init(stamp: UInt32 = 0, machineName: String, uid: UInt32, gid: UInt32, gids: [UInt32] = []) {
        self.stamp = stamp
        self.machineName = machineName
        self.uid = uid
        self.gid = gid
        self.gids = gids
    }

    /// Reads the XDR encoding.
    public init(from reader: inout XDRReader) throws {
        stamp = try reader.readUInt32()
        machineName = try reader.withField("machinename") {
            try $0.readString(maxLength: Self.maximumMachineNameLength)
        }
        uid = try reader.readUInt32()
        gid = try reader.readUInt32()
        gids = try reader.withField("gids") { try $0.readArray(of: UInt32.self, maxCount: Self.maximumGroups) }
    }

    /// Writes the XDR encoding.
    public func encode(to writer: inout XDRWriter) throws {
        writer.writeUInt32(stamp)
        try writer.withField("machinename") {
            try $0.writeString(machineName, maxLength: Self.maximumMachineNameLength)
        }
        writer.writeUInt32(uid)
        writer.writeUInt32(gid)
        try writer.withField("gids") { try $0.writeArray(gids, maxCount: Self.maximumGroups) }
    }

    /// These parameters as an `AUTH_SYS` authenticator.
    public func opaqueAuth() throws -> RPCOpaqueAuth {
        RPCOpaqueAuth(flavor: .sys, body: try self.xdrBytes())
    }
}

/// `auth_stat` of RFC 5531 §9: why a server refused a call's authentication.
public struct RPCAuthStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The number on the wire.
    public var rawValue: UInt32

    /// Wraps a number from the wire.
    @inlinable
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `AUTH_OK` (0).
    public static let ok = RPCAuthStatus(rawValue: 0)
    /// `AUTH_BADCRED` (1): bad credential (seal broken).
    public static let badCredential = RPCAuthStatus(rawValue: 1)
    /// `AUTH_REJECTEDCRED` (2): the client must begin a new session.
    public static let rejectedCredential = RPCAuthStatus(rawValue: 2)
    /// `AUTH_BADVERF` (3): bad verifier (seal broken).
    public static let badVerifier = RPCAuthStatus(rawValue: 3)
    /// `AUTH_REJECTEDVERF` (4): verifier expired or replayed.
    public static let rejectedVerifier = RPCAuthStatus(rawValue: 4)
    /// `AUTH_TOOWEAK` (5): rejected for security reasons.
    public static let tooWeak = RPCAuthStatus(rawValue: 5)
    /// `AUTH_INVALIDRESP` (6): bogus response verifier.
    public static let invalidResponse = RPCAuthStatus(rawValue: 6)
    /// `AUTH_FAILED` (7): reason unknown.
    public static let failed = RPCAuthStatus(rawValue: 7)
    /// `RPCSEC_GSS_CREDPROBLEM` (13).
    public static let gssCredentialProblem = RPCAuthStatus(rawValue: 13)
    /// `RPCSEC_GSS_CTXPROBLEM` (14).
    public static let gssContextProblem = RPCAuthStatus(rawValue: 14)

    public var description: String {
        switch rawValue {
        case 0: "AUTH_OK"
        case 1: "AUTH_BADCRED"
        case 2: "AUTH_REJECTEDCRED"
        case 3: "AUTH_BADVERF"
        case 4: "AUTH_REJECTEDVERF"
        case 5: "AUTH_TOOWEAK"
        case 6: "AUTH_INVALIDRESP"
        case 7: "AUTH_FAILED"
        case 8: "AUTH_KERB_GENERIC"
        case 9: "AUTH_TIMEEXPIRE"
        case 10: "AUTH_TKT_FILE"
        case 11: "AUTH_DECODE"
        case 12: "AUTH_NET_ADDR"
        case 13: "RPCSEC_GSS_CREDPROBLEM"
        case 14: "RPCSEC_GSS_CTXPROBLEM"
        default: "auth_stat \(rawValue)"
        }
    }
}
