public import NIOCore
public import ONCRPC
import ONCRPCNIOTransport
import XDR

/// A client of rpcbind (program 100000): portmap version 2 and rpcbind versions 3 and 4, every
/// procedure through ``version2``, ``version3`` and ``version4``, plus the lookups with
/// fallback that resolvers and servers need.
///
/// ```swift
/// try await withRPCBindClient(host: "127.0.0.1") { rpcbind in
///     let mappings = try await rpcbind.mappings()
/// }
/// ```
public struct RPCBindClient: Sendable {
    /// rpcbind's port over UDP and TCP.
    public static let port = 111
    /// Where rpcbind listens on its local (Unix) socket on Linux.
    public static let localSocketPath = "/run/rpcbind.sock"
    /// rpcbind's program number.
    public static let program: UInt32 = 100_000


    /// The client the calls go through.
    public let client: RPCClient

    /// Wraps a client whose transport reaches an rpcbind.
    public init(wrapping client: RPCClient) {
        self.client = client
    }

    /// Portmap version 2: NULL, SET, UNSET, GETPORT, DUMP, CALLIT.
    public var version2: PortmapProgram.Version2.Client { .init(wrapping: client) }
    /// rpcbind version 3: NULL, SET, UNSET, GETADDR, DUMP, CALLIT, GETTIME, UADDR2TADDR, TADDR2UADDR.
    public var version3: RPCBindProgram.Version3.Client { .init(wrapping: client) }
    /// rpcbind version 4: version 3's procedures and GETVERSADDR, INDIRECT, GETADDRLIST, GETSTAT.
    public var version4: RPCBindProgram.Version4.Client { .init(wrapping: client) }

    /// Whether `error` says the rpcbind does not speak the version asked (so an older one may).
    static func isVersionRefusal(_ error: any Error) -> Bool {
        guard let error = error as? RPCError else { return false }
        switch error.code {
        case .programMismatch, .programUnavailable, .procedureUnavailable: return true
        default: return false
        }
    }

    /// The universal address of `program` `version` over `netid`, or `nil` when it is not
    /// registered: rpcbind v4 GETADDR, falling back to v3 GETADDR and then (for `tcp` and `udp`)
    /// portmap v2 GETPORT when the rpcbind is older.
    public func universalAddress(program: UInt32, version: UInt32, netid: String) async throws -> String? {
        let query = RPCBindMapping(rProg: program, rVers: version, rNetid: netid, rAddr: "", rOwner: "")
        do {
            let address = try await version4.getAddr(query)
            return address.isEmpty ? nil : address
        } catch  where Self.isVersionRefusal(error) {}
        do {
            let address = try await version3.getAddr(query)
            return address.isEmpty ? nil : address
        } catch  where Self.isVersionRefusal(error) && (netid == "tcp" || netid == "udp") {}
        let port = try await version2.getPort(
            PortmapMapping(prog: program, vers: version, prot: netid == "tcp" ? 6 : 17, port: 0))
        return port == 0 ? nil : "0.0.0.0.\(port >> 8).\(port & 0xFF)"
    }

    /// Every mapping: v4 DUMP, falling back to v3 and then to portmap v2 DUMP (whose entries
    /// have netid `tcp` or `udp`, a wildcard address and no owner).
    public func mappings() async throws -> [RPCBindMapping] {
        do {
            return Self.array(try await version4.dump())
        } catch  where Self.isVersionRefusal(error) {}
        do {
            return Self.array(try await version3.dump())
        } catch  where Self.isVersionRefusal(error) {}
        return Self.array(try await version2.dump()).map { mapping in
            RPCBindMapping(
                rProg: mapping.prog, rVers: mapping.vers, rNetid: mapping.prot == 6 ? "tcp" : "udp",
                rAddr: "0.0.0.0.\(mapping.port >> 8).\(mapping.port & 0xFF)", rOwner: "")
        }
    }

    /// Registers `endpoint` as `owner`: v4 SET, falling back to portmap v2 SET for `tcp` and
    /// `udp` when the rpcbind is older. Returns rpcbind's answer: `false` when a mapping for the
    /// program, version and netid exists already or the caller may not register.
    public func set(_ endpoint: RPCServerRegistration.Endpoint, owner: String) async throws -> Bool {
        let mapping = RPCBindMapping(
            rProg: endpoint.program, rVers: endpoint.version, rNetid: endpoint.netid,
            rAddr: UniversalAddress.string(for: endpoint.address), rOwner: owner)
        do {
            return try await version4.set(mapping)
        } catch  where Self.isVersionRefusal(error) && (endpoint.netid == "tcp" || endpoint.netid == "udp") {}
        return try await version2.set(
            PortmapMapping(
                prog: endpoint.program, vers: endpoint.version, prot: endpoint.netid == "tcp" ? 6 : 17,
                port: UInt32(endpoint.address.port ?? 0)))
    }

    /// Unregisters `program` `version` over `netid` (every netid when it is empty): v4 UNSET,
    /// falling back to portmap v2 UNSET. Returns whether anything was removed.
    public func unset(program: UInt32, version: UInt32, netid: String, owner: String) async throws -> Bool {
        let mapping = RPCBindMapping(rProg: program, rVers: version, rNetid: netid, rAddr: "", rOwner: owner)
        do {
            return try await version4.unset(mapping)
        } catch  where Self.isVersionRefusal(error) {}
        return try await version2.unset(PortmapMapping(prog: program, vers: version, prot: 0, port: 0))
    }

    /// The entries of a DUMP answer as an array, walked iteratively.
    public static func array(_ list: RPCBindList?) -> [RPCBindMapping] {
        entries(of: list, \.rpcbMap, next: \.rpcbNext)
    }

    /// The entries of a portmap DUMP answer as an array, walked iteratively.
    public static func array(_ list: PortmapList?) -> [PortmapMapping] {
        entries(of: list, \.map, next: \.next)
    }

    /// The entries of a GETADDRLIST answer as an array, walked iteratively.
    public static func array(_ list: RPCBindEntryList?) -> [RPCBindEntry] {
        entries(of: list, \.rpcbEntryMap, next: \.rpcbEntryNext)
    }

    /// Walks a generated linked list from `list`, collecting each node's `entry`.
    static func entries<Node, Entry>(of list: Node?, _ entry: KeyPath<Node, Entry>, next: KeyPath<Node, Node?>)
        -> [Entry]
    {
        var entries: [Entry] = []
        var node = list
        while let current = node {
            entries.append(current[keyPath: entry])
            node = current[keyPath: next]
        }
        return entries
    }
}

extension RPCTransportKind {
    /// A client transport to the rpcbind at `host`:`port` this way, or at the local socket
    /// `localSocketPath` (where the host and port are not used).
    func rpcbindClientTransport(host: String, port: Int, localSocketPath: String) throws -> any RPCClientTransport {
        switch self {
        case .udp:
            return UDPClientTransport(host: host, port: port)
        case .tcp:
            return TCPClientTransport(host: host, port: port)
        case .local:
            return TCPClientTransport(server: .resolved { try SocketAddress(unixDomainSocketPath: localSocketPath) })
        case .inProcess:
            throw RPCError(code: .unreachable, message: "rpcbind cannot be reached in process: use tcp, udp or local")
        }
    }
}

/// Runs `body` with a client of the rpcbind at `host`:`port`, reached over `transport` (for
/// `RPCTransportKind.local`, at the Unix-domain socket `localSocketPath`), and shuts
/// the client down when `body` returns. Calls time out after `options.timeout` (default 5
/// seconds).
public func withRPCBindClient<Result: Sendable>(
    host: String = "127.0.0.1",
    port: Int = RPCBindClient.port,
    over transport: RPCTransportKind = .udp,
    localSocketPath: String = RPCBindClient.localSocketPath,
    options: RPCCallOptions = RPCCallOptions(timeout: .seconds(5)),
    isolation: isolated (any Actor)? = #isolation,
    _ body: (RPCBindClient) async throws -> Result
) async throws -> Result {
    try await withRPCClient(
        transport: transport.rpcbindClientTransport(host: host, port: port, localSocketPath: localSocketPath),
        defaultOptions: options, isolation: isolation
    ) { client in
        try await body(RPCBindClient(wrapping: client))
    }
}

/// Makes one call on behalf of another caller, as rpcbind's CALLIT and INDIRECT do.
public enum RPCBindForwarder {
    /// Calls `procedure` of `program` `version` at `address` over UDP with `arguments` already
    /// encoded, and returns the encoded results. RPC errors of the callee are thrown as they come.
    public static func forward(
        to address: SocketAddress,
        program: UInt32,
        version: UInt32,
        procedure: UInt32,
        arguments: ByteBuffer,
        timeout: Duration = .seconds(5)
    ) async throws -> ByteBuffer {
        let options = RPCCallOptions(timeout: timeout, retransmit: .fixed(.milliseconds(500)))
        return try await withRPCClient(
            transport: UDPClientTransport(server: .address(address)), defaultOptions: options
        ) {
            client in
            try await client.call(
                program: program, version: version, procedure: procedure, options: options,
                encodeArguments: { writer in writer.buffer.writeImmutableBuffer(arguments) },
                decodeResult: { reader in reader.buffer.readSlice(length: reader.buffer.readableBytes)! })
        }
    }
}
