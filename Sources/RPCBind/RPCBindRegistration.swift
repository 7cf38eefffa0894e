public import ONCRPC

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

extension RPCServerRegistration {
    /// Registers with the system's rpcbind, as libtirpc's servers do: over its local socket
    /// (`/run/rpcbind.sock`) when it exists, else over UDP to 127.0.0.1:111.
    ///
    /// ```swift
    /// let server = RPCServer(transports: [tcp, udp], services: [MyService()], registration: .rpcbind)
    /// ```
    public static var rpcbind: RPCServerRegistration {
        let overUDP = RPCServerRegistration.rpcbind(host: "127.0.0.1", over: .udp)
        let overLocal = RPCServerRegistration.rpcbind(
            host: "127.0.0.1", over: .local(path: RPCBindClient.localSocketPath))
        // A socket file left by an rpcbind that is gone refuses connections: then use UDP.
        func local(
            _ step: @escaping @Sendable ([Endpoint]) async throws -> Void,
            else fallback: @escaping @Sendable ([Endpoint]) async throws -> Void
        )
            -> @Sendable ([Endpoint]) async throws -> Void
        {
            { endpoints in
                guard access(RPCBindClient.localSocketPath, F_OK) == 0 else { return try await fallback(endpoints) }
                do {
                    try await step(endpoints)
                } catch let error as RPCError
                    where error.code == .unreachable || (error.cause as? RPCError)?.code == .unreachable
                {
                    try await fallback(endpoints)
                }
            }
        }
        return RPCServerRegistration(
            register: local(overLocal.register, else: overUDP.register),
            unregister: local(overLocal.unregister, else: overUDP.unregister))
    }

    /// Registers with the rpcbind at `host`:`port` reached over `transport`.
    ///
    /// Each endpoint is first unset (a stale registration of a previous run is replaced, as
    /// rpcgen's servers do) and then set with v4 SET, falling back to portmap v2 SET. A SET that
    /// rpcbind answers with FALSE fails with ``RPCError/Code-swift.enum/registrationFailed``.
    /// On shutdown every endpoint is unset.
    public static func rpcbind(
        host: String,
        port: Int = RPCBindClient.port,
        over transport: RPCBindClient.Transport
    ) -> RPCServerRegistration {
        let owner = String(getuid())
        return RPCServerRegistration(
            register: { endpoints in
                do {
                    try await withRPCBindClient(host: host, port: port, over: transport) { rpcbind in
                        for endpoint in endpoints {
                            _ = try await rpcbind.unset(
                                program: endpoint.program, version: endpoint.version, netid: endpoint.netid,
                                owner: owner)
                            guard try await rpcbind.set(endpoint, owner: owner) else {
                                throw RPCError(
                                    code: .registrationFailed,
                                    message: "rpcbind at \(host) refused to register \(endpoint)")
                            }
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
                try await withRPCBindClient(host: host, port: port, over: transport) { rpcbind in
                    for endpoint in endpoints {
                        _ = try await rpcbind.unset(
                            program: endpoint.program, version: endpoint.version, netid: endpoint.netid, owner: owner)
                    }
                }
            })
    }
}
