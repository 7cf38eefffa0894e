public import ONCRPC
import NIOCore
import ONCRPCNIOTransport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

extension RPCServerRegistration {
    /// Registers with the system's rpcbind over its local socket (`/run/rpcbind.sock`) when it
    /// exists, else over UDP to 127.0.0.1:111, without taking over a registration that is alive
    /// (see ``rpcbind(host:port:over:localSocketPath:replaceExisting:)``).
    ///
    /// ```swift
    /// let server = RPCServer(transports: [tcp, udp], services: [MyService()], registration: .rpcbind)
    /// ```
    public static var rpcbind: RPCServerRegistration { rpcbind(replaceExisting: false) }

    /// Registers with the system's rpcbind as ``rpcbind`` does; with `replaceExisting`, a
    /// registration of the same program, version and netid is replaced even when whoever holds
    /// it still answers (as rpcgen's servers always do).
    public static func rpcbind(replaceExisting: Bool) -> RPCServerRegistration {
        let overUDP = RPCServerRegistration.rpcbind(host: "127.0.0.1", over: .udp, replaceExisting: replaceExisting)
        let overLocal = RPCServerRegistration.rpcbind(
            host: "127.0.0.1", over: .local, replaceExisting: replaceExisting)
        // A socket file left by an rpcbind that is gone refuses connections: then use UDP.
        func local(
            _ step: @escaping @Sendable ([Endpoint], Notices) async throws -> Void,
            else fallback: @escaping @Sendable ([Endpoint], Notices) async throws -> Void
        )
            -> @Sendable ([Endpoint], Notices) async throws -> Void
        {
            { endpoints, notices in
                guard access(RPCBindClient.localSocketPath, F_OK) == 0 else {
                    return try await fallback(endpoints, notices)
                }
                do {
                    try await step(endpoints, notices)
                } catch let error as RPCError
                    where error.code == .unreachable || (error.cause as? RPCError)?.code == .unreachable
                {
                    try await fallback(endpoints, notices)
                }
            }
        }
        let unregisterLocal = overLocal.unregister
        let unregisterOverUDP = overUDP.unregister
        let unregister = local(
            { list, _ in try await unregisterLocal(list) }, else: { list, _ in try await unregisterOverUDP(list) })
        return RPCServerRegistration(
            registerReportingNotices: local(
                overLocal.registerReportingNotices, else: overUDP.registerReportingNotices),
            unregister: { list in try await unregister(list, .ignored) })
    }

    /// Registers with the rpcbind at `host`:`port` reached over `transport`.
    ///
    /// Before an endpoint is set, rpcbind's table is read for a registration of the same program,
    /// version and netid. One at this server's own address is replaced. One elsewhere is pinged
    /// (the NULL procedure, about a second): if something answers there for that program and
    /// version, registering fails with `RPCError.Code.registrationFailed`, naming
    /// its address and owner, and the registration is left as it is; if nothing answers, it is
    /// stale, and is replaced. `replaceExisting` replaces every registration found without
    /// asking. Each endpoint is then set with v4 SET, falling back to portmap v2 SET; a SET that
    /// rpcbind answers with FALSE fails with `RPCError.Code.registrationFailed`.
    /// A failure undoes the endpoints set before it. On shutdown every endpoint is unset.
    public static func rpcbind(
        host: String,
        port: Int = RPCBindClient.port,
        over transport: RPCTransportKind,
        localSocketPath: String = RPCBindClient.localSocketPath,
        replaceExisting: Bool = false
    ) -> RPCServerRegistration {
        let owner = String(getuid())
        return RPCServerRegistration(
            registerReportingNotices: { endpoints, notices in
                do {
                    try await withRPCBindClient(host: host, port: port, over: transport, localSocketPath: localSocketPath) { rpcbind in
                        let table = replaceExisting ? [] : try await rpcbind.mappings()
                        var done: [Endpoint] = []
                        do {
                            for endpoint in endpoints {
                                if !replaceExisting,
                                    let stale = try await checkNotTaken(endpoint, in: table, host: host)
                                {
                                    notices(
                                        "replacing the stale rpcbind registration of \(endpoint.program)/"
                                            + "\(endpoint.version) over \(endpoint.netid) at \(stale.rAddr)"
                                            + " (owner \(stale.rOwner)): nothing answers there")
                                }
                                _ = try await rpcbind.unset(
                                    program: endpoint.program, version: endpoint.version, netid: endpoint.netid,
                                    owner: owner)
                                guard try await rpcbind.set(endpoint, owner: owner) else {
                                    throw RPCError(
                                        code: .registrationFailed,
                                        message: "rpcbind at \(host) refused to register \(endpoint)")
                                }
                                done.append(endpoint)
                            }
                        } catch {
                            for endpoint in done {
                                _ = try? await rpcbind.unset(
                                    program: endpoint.program, version: endpoint.version, netid: endpoint.netid,
                                    owner: owner)
                            }
                            throw error
                        }
                    }
                } catch let error as RPCError where error.code == .registrationFailed {
                    throw error
                } catch {
                    throw RPCError(
                        code: .registrationFailed, message: "cannot register with rpcbind at \(host): \(error)",
                        cause: error as? RPCError)
                }
            },
            unregister: { endpoints in
                try await withRPCBindClient(host: host, port: port, over: transport, localSocketPath: localSocketPath) { rpcbind in
                    for endpoint in endpoints {
                        _ = try await rpcbind.unset(
                            program: endpoint.program, version: endpoint.version, netid: endpoint.netid, owner: owner)
                    }
                }
            })
    }

    /// Throws unless `endpoint` may be registered over what `table` holds: nothing for its
    /// program, version and netid, a registration at its own address, or one whose address no
    /// longer answers for that program and version (returned: a stale registration).
    static func checkNotTaken(_ endpoint: Endpoint, in table: [RPCBindMapping], host: String) async throws
        -> RPCBindMapping?
    {
        guard
            let existing = table.first(where: {
                $0.rProg == endpoint.program && $0.rVers == endpoint.version && $0.rNetid == endpoint.netid
            })
        else { return nil }
        let ours = UniversalAddress.string(for: endpoint.address)
        if existing.rAddr == ours { return nil }
        guard
            await answers(
                existing.rAddr, netid: existing.rNetid, program: endpoint.program, version: endpoint.version,
                rpcbindHost: host)
        else { return existing }  // stale: nothing answers there any more
        let owner = existing.rOwner.isEmpty ? "an unknown owner" : "owner \(existing.rOwner)"
        throw RPCError(
            code: .registrationFailed,
            message: "program \(endpoint.program) version \(endpoint.version) over \(endpoint.netid) is registered"
                + " at \(existing.rAddr) by \(owner), and that server answers; stop it, or register with"
                + " replaceExisting: true to take its place")
    }

    /// Whether a server at the universal address `address` answers a NULL call of `program`
    /// `version` within about a second. A reply that says it does not serve that program or
    /// version counts as no answer: the registration is stale.
    static func answers(
        _ address: String, netid: String, program: UInt32, version: UInt32, rpcbindHost: String
    ) async -> Bool {
        guard netid.hasPrefix("tcp") || netid.hasPrefix("udp"),
            var socketAddress = try? UniversalAddress.socketAddress(address, netid: netid)
        else {
            return true  // cannot be pinged from here (a local socket): assume it is alive
        }
        if UniversalAddress.isWildcard(address), let port = socketAddress.port,
            let loopback = try? SocketAddress.makeAddressResolvingHost(rpcbindHost, port: port)
        {
            socketAddress = loopback
        }
        let transport: any RPCClientTransport =
            netid.hasPrefix("udp")
            ? UDPClientTransport(server: .address(socketAddress))
            : TCPClientTransport(
                server: .address(socketAddress), configuration: .init(connectTimeout: .seconds(1)))
        let options = RPCCallOptions(timeout: .seconds(1), retransmit: .fixed(.milliseconds(250)))
        do {
            try await withRPCClient(transport: transport, defaultOptions: options) { client in
                try await client.ping(program: program, version: version)
            }
            return true
        } catch let error as RPCError {
            switch error.code {
            case .authError, .systemError, .garbageArguments, .procedureUnavailable: return true
            default: return false
            }
        } catch {
            return false
        }
    }
}
