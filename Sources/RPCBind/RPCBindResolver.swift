public import NIOCore
import ONCRPC
public import ONCRPCNIOTransport

/// The transport protocol a service is looked up for.
public enum RPCServiceProtocol: String, Hashable, Sendable {
    /// TCP: netid `tcp`, or `tcp6` for an IPv6 host.
    case tcp
    /// UDP: netid `udp`, or `udp6` for an IPv6 host.
    case udp

    /// The netid for a host of `address`'s family.
    func netid(for address: SocketAddress) -> String {
        address.protocol == .inet6 ? rawValue + "6" : rawValue
    }
}

extension RPCServerAddress {
    /// The address of `program` `version` at `host`, asked of the rpcbind there each time a
    /// connection is made: v4 GETADDR, falling back to v3 GETADDR and portmap v2 GETPORT. A
    /// program that is not registered fails the call with ``RPCError/Code-swift.struct/notRegistered``.
    ///
    /// ```swift
    /// let transport = TCPClientTransport(server: .rpcbind(host: "nfs.example", program: 100005, version: 3, over: .tcp))
    /// ```
    public static func rpcbind(
        host: String,
        program: UInt32,
        version: UInt32,
        over serviceProtocol: RPCServiceProtocol,
        rpcbindPort: Int = RPCBindClient.port
    ) -> RPCServerAddress {
        .resolved {
            try await RPCBindResolver.resolve(
                host: host, program: program, version: version, over: serviceProtocol, rpcbindPort: rpcbindPort)
        }
    }
}

/// Looks services up with rpcbind.
public enum RPCBindResolver {
    /// The socket address of `program` `version` at `host` over `serviceProtocol` (see
    /// ``ONCRPCNIOTransport/RPCServerAddress/rpcbind(host:program:version:over:rpcbindPort:)``).
    public static func resolve(
        host: String,
        program: UInt32,
        version: UInt32,
        over serviceProtocol: RPCServiceProtocol,
        rpcbindPort: Int = RPCBindClient.port
    ) async throws -> SocketAddress {
        let rpcbindAddress: SocketAddress
        do {
            rpcbindAddress = try SocketAddress.makeAddressResolvingHost(host, port: rpcbindPort)
        } catch {
            throw RPCError(code: .unreachable, message: "cannot resolve host '\(host)': \(error)")
        }
        let netid = serviceProtocol.netid(for: rpcbindAddress)
        let hostIP = rpcbindAddress.ipAddress ?? host
        let (universal, listed) = try await withRPCBindClient(
            host: hostIP, port: rpcbindPort, over: serviceProtocol == .tcp ? .tcp : .udp
        ) { rpcbind -> (String?, [RPCBindMapping]) in
            guard let universal = try await rpcbind.universalAddress(program: program, version: version, netid: netid)
            else {
                // What rpcbind does list for the program, to say what would work instead.
                let table = (try? await rpcbind.mappings()) ?? []
                return (nil, table.filter { $0.rProg == program })
            }
            return (universal, [])
        }
        guard let universal else {
            throw RPCError(
                code: .notRegistered,
                message: "program \(program) version \(version) is not registered for netid \(netid) "
                    + "with the rpcbind at \(host); " + Self.describe(listed, program: program))
        }
        let address = try UniversalAddress.socketAddress(universal, netid: netid)
        if UniversalAddress.isWildcard(universal), let port = address.port {
            // Registered on every interface: reach it on the host that was asked.
            return try SocketAddress(ipAddress: hostIP, port: port)
        }
        return address
    }

    /// What rpcbind lists for a program, in a clause for an error message: "rpcbind lists
    /// versions 3 over tcp, udp", or that it lists nothing for it.
    static func describe(_ mappings: [RPCBindMapping], program: UInt32) -> String {
        guard !mappings.isEmpty else { return "rpcbind lists no version of program \(program)" }
        let versions = Set(mappings.map(\.rVers)).sorted().map(String.init).joined(separator: ", ")
        var netids: [String] = []
        var seen = Set<String>()
        for netid in mappings.map(\.rNetid) where seen.insert(netid).inserted {
            netids.append(netid)
        }
        let noun = mappings.count == 1 || Set(mappings.map(\.rVers)).count == 1 ? "version" : "versions"
        return "rpcbind lists \(noun) \(versions) over \(netids.joined(separator: ", "))"
    }
}
