public import NIOCore
public import ONCRPC
public import ONCRPCNIOTransport

/// The transport protocol a service is looked up for: now the package's one transport type.
@available(*, deprecated, renamed: "RPCTransportKind")
public typealias RPCServiceProtocol = RPCTransportKind

extension RPCTransportKind {
    /// The netid looked up for a host of `address`'s family; the in-process kind has none.
    func netid(for address: SocketAddress) throws -> String {
        guard let netid = netid(ipv6: address.protocol == .inet6) else {
            throw RPCError(
                code: .unreachable,
                message: "an in-process service is not registered with rpcbind: use InProcessTransport")
        }
        return netid
    }

    /// How to reach the rpcbind asked about this kind: over the local socket for a local
    /// service, else over the same protocol.
    var rpcbindTransport: RPCTransportKind {
        self == .udp ? .udp : self == .local ? .local : .tcp
    }
}

extension RPCServerAddress {
    /// The address of `program` `version` at `host`, asked of the rpcbind there each time a
    /// connection is made: v4 GETADDR, falling back to v3 GETADDR and portmap v2 GETPORT. A
    /// program that is not registered fails the call with `RPCError.Code.notRegistered`.
    ///
    /// ```swift
    /// let transport = TCPClientTransport(server: .rpcbind(host: "nfs.example", program: 100005, version: 3, over: .tcp))
    /// ```
    public static func rpcbind(
        host: String,
        program: UInt32,
        version: UInt32,
        over serviceProtocol: RPCTransportKind,
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
    /// `RPCServerAddress.rpcbind(host:program:version:over:rpcbindPort:)`).
    public static func resolve(
        host: String,
        program: UInt32,
        version: UInt32,
        over serviceProtocol: RPCTransportKind,
        rpcbindPort: Int = RPCBindClient.port
    ) async throws -> SocketAddress {
        let rpcbindAddress: SocketAddress
        do {
            rpcbindAddress = try SocketAddress.makeAddressResolvingHost(host, port: rpcbindPort)
        } catch {
            throw RPCError(code: .unreachable, message: "cannot resolve host '\(host)': \(error)")
        }
        let netid = try serviceProtocol.netid(for: rpcbindAddress)
        let hostIP = rpcbindAddress.ipAddress ?? host
        let (universal, listed): (String?, [RPCBindMapping])
        do {
            (universal, listed) = try await withRPCBindClient(
                host: hostIP, port: rpcbindPort, over: serviceProtocol.rpcbindTransport
            ) { rpcbind -> (String?, [RPCBindMapping]) in
                guard let universal = try await rpcbind.universalAddress(program: program, version: version, netid: netid)
                else {
                    // What rpcbind does list for the program, to say what would work instead.
                    let table = (try? await rpcbind.mappings()) ?? []
                    return (nil, table.filter { $0.rProg == program })
                }
                return (universal, [])
            }
        } catch let error as RPCError where error.code == .unreachable || error.code == .timedOut {
            // Said of rpcbind, not of the service the caller asked for.
            let place = serviceProtocol == .local ? "the local rpcbind" : "the rpcbind at \(host) port \(rpcbindPort)"
            throw RPCError(
                code: error.code,
                message: "cannot look up program \(program) version \(version): \(place) does not answer ("
                    + error.message + ")", cause: error)
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
