import Logging
import NIOCore
public import ONCRPC
import ONCRPCNIOTransport
public import RPCBind

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// An embeddable rpcbind: portmap version 2 and rpcbind versions 3 and 4 over whatever
/// transports the `RPCServer` it is given to serves.
///
/// ```swift
/// let rpcbind = RPCBindServer()
/// let server = RPCServer(
///     transports: [TCPServerTransport(host: "::", port: 111), UDPServerTransport(host: "::", port: 111)],
///     services: rpcbind.services, registration: rpcbind.selfRegistration)
/// try await server.serve()
/// ```
///
/// SET and UNSET are accepted only from loopback peers (others get `AUTH_TOOWEAK`), UNSET only
/// from the mapping's owner or the superuser (the owner is the caller's AUTH_SYS uid, `0`
/// being `superuser`, or `unknown`). CALLIT, BCAST and INDIRECT forward over UDP only to
/// services registered at a loopback or wildcard address, never to rpcbind itself, or not at
/// all with ``Configuration/forwarding`` set to `.refused`.
public struct RPCBindServer: Sendable {
    /// Whether CALLIT/BCAST/INDIRECT calls are forwarded.
    public enum Forwarding: Hashable, Sendable {
        /// Refused: CALLIT and BCAST get no reply, INDIRECT gets `PROC_UNAVAIL`.
        case refused
        /// Forwarded to services registered on this host.
        case localServices
    }

    /// Settings of the embedded rpcbind.
    public struct Configuration: Sendable {
        /// Whether calls are forwarded (default: to local services).
        public var forwarding: Forwarding
        /// How long a forwarded call may take.
        public var forwardingTimeout: Duration
        /// The most mappings the table holds.
        public var maximumMappings: Int

        /// Creates settings.
        public init(
            forwarding: Forwarding = .localServices,
            forwardingTimeout: Duration = .seconds(5),
            maximumMappings: Int = 10_000
        ) {
            self.forwarding = forwarding
            self.forwardingTimeout = forwardingTimeout
            self.maximumMappings = maximumMappings
        }
    }

    /// The table of mappings and the statistics.
    public let registry: RPCBindRegistry
    /// The settings.
    public let configuration: Configuration

    /// Creates an rpcbind with an empty table.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.registry = RPCBindRegistry(maximumMappings: configuration.maximumMappings)
    }

    /// The portmap v2, rpcbind v3 and rpcbind v4 services, for `RPCServer(transports:services:)`.
    public var services: [any RPCService] {
        [PortmapService(core: self), RPCBindV3Service(core: self), RPCBindV4Service(core: self)]
    }

    /// Registers rpcbind itself (program 100000 versions 2, 3 and 4) in its own table for each
    /// transport its server listens on, as `superuser`, so DUMP and `rpcinfo -p` show it.
    public var selfRegistration: RPCServerRegistration {
        let registry = self.registry
        return RPCServerRegistration(
            register: { endpoints in
                for endpoint in endpoints {
                    // Portmap v2 only exists over IPv4 transports.
                    if endpoint.version == 2 && endpoint.netid != "tcp" && endpoint.netid != "udp" { continue }
                    let mapping = RPCBindMapping(
                        rProg: endpoint.program, rVers: endpoint.version, rNetid: endpoint.netid,
                        rAddr: UniversalAddress.string(for: endpoint.address), rOwner: "superuser")
                    _ = registry.set(mapping, owner: "superuser")
                }
            },
            unregister: { endpoints in
                for endpoint in endpoints {
                    _ = registry.unset(
                        program: endpoint.program, version: endpoint.version, netids: [endpoint.netid],
                        owner: "superuser")
                }
            })
    }

    // MARK: Shared behaviour of the three versions

    /// The identity a mapping made by this caller is owned by.
    static func owner(of context: RPCServerContext) -> String {
        if let credentials = context.authSys {
            return credentials.uid == 0 ? "superuser" : String(credentials.uid)
        }
        return "unknown"
    }

    /// Refuses changes to the table from peers that are not on this host.
    static func requireLocal(_ context: RPCServerContext) throws {
        guard context.peer.isLocal else {
            context.logger.warning("refusing a SET or UNSET from a remote peer", metadata: ["peer": "\(context.peer)"])
            throw RPCError(code: .authError(.tooWeak), message: "SET and UNSET are only accepted from this host")
        }
    }

    /// Whether the caller reached us over IPv6.
    static func callerUsesIPv6(_ context: RPCServerContext) -> Bool {
        context.peer.address.filter { $0 == ":" }.count > 1
    }

    /// The netid of the transport the call came in on.
    static func netid(of context: RPCServerContext) -> String {
        let base = context.peer.transport == .udp ? "udp" : "tcp"
        return callerUsesIPv6(context) ? base + "6" : base
    }

    /// A wildcard address made reachable for a local caller (rpcbind's merged address).
    static func merged(_ universalAddress: String, for context: RPCServerContext) -> String {
        guard context.peer.isLocal, let port = UniversalAddress.port(of: universalAddress) else {
            return universalAddress
        }
        if universalAddress.hasPrefix("0.0.0.0.") { return "127.0.0.1.\(port >> 8).\(port & 0xFF)" }
        if universalAddress.hasPrefix("::.") { return "::1.\(port >> 8).\(port & 0xFF)" }
        return universalAddress
    }

    func set(_ mapping: RPCBindMapping, version: Int, context: RPCServerContext) throws -> Bool {
        registry.countCall(version: version, procedure: 1)
        try Self.requireLocal(context)
        let done = registry.set(mapping, owner: Self.owner(of: context))
        if done { registry.countChange(version: version, set: true) }
        return done
    }

    func unset(
        program: UInt32, version programVersion: UInt32, netids: Set<String>?, version: Int, context: RPCServerContext
    )
        throws -> Bool
    {
        registry.countCall(version: version, procedure: 2)
        try Self.requireLocal(context)
        let done = registry.unset(
            program: program, version: programVersion, netids: netids, owner: Self.owner(of: context))
        if done { registry.countChange(version: version, set: false) }
        return done
    }

    func getAddr(_ query: RPCBindMapping, version: Int, procedure: UInt32, exact: Bool, context: RPCServerContext)
        -> String
    {
        registry.countCall(version: version, procedure: procedure)
        let netid = query.rNetid.isEmpty ? Self.netid(of: context) : query.rNetid
        let found = registry.lookUp(program: query.rProg, version: query.rVers, netid: netid, exactVersion: exact)
        registry.countLookup(
            version: version, program: query.rProg, programVersion: query.rVers, netid: netid, found: found != nil)
        return found.map { Self.merged($0.rAddr, for: context) } ?? ""
    }

    func dump(version: Int, procedure: UInt32) -> RPCBindList? {
        registry.countCall(version: version, procedure: procedure)
        var list: RPCBindList? = nil
        for mapping in registry.mappings.reversed() {
            list = RPCBindList(rpcbMap: mapping, rpcbNext: list)
        }
        return list
    }

    func getTime(version: Int) -> UInt32 {
        registry.countCall(version: version, procedure: 6)
        return UInt32(truncatingIfNeeded: time(nil))
    }

    /// Forwards a CALLIT, BCAST or INDIRECT call. Silent calls (`indirect == false`) turn every
    /// failure into no reply at all.
    func forward(
        _ call: RPCBindRemoteCallArguments, version: Int, procedure: UInt32, indirect: Bool, context: RPCServerContext
    ) async throws -> (universalAddress: String, port: Int, results: ByteBuffer) {
        registry.countCall(version: version, procedure: procedure)
        let netid = Self.callerUsesIPv6(context) ? "udp6" : "udp"
        func fail(_ error: RPCError) -> RPCError {
            registry.countRemoteCall(
                version: version, program: call.prog, programVersion: call.vers, procedure: call.proc, netid: netid,
                indirect: indirect, succeeded: false)
            return indirect ? error : RPCError(code: .noReply, message: error.message)
        }
        guard configuration.forwarding == .localServices else {
            throw fail(RPCError(code: .procedureUnavailable, message: "forwarding is refused by configuration"))
        }
        guard call.prog != RPCBindClient.program else {
            throw fail(RPCError(code: .procedureUnavailable, message: "rpcbind does not forward calls to itself"))
        }
        guard
            let mapping = registry.lookUp(program: call.prog, version: call.vers, netid: netid, exactVersion: true),
            let port = UniversalAddress.port(of: mapping.rAddr)
        else {
            throw fail(RPCError(code: .programUnavailable, message: "program \(call.prog) is not registered"))
        }
        let host = netid == "udp6" ? "::1" : "127.0.0.1"
        let registeredHost = (try? UniversalAddress.socketAddress(mapping.rAddr, netid: netid))?.ipAddress ?? ""
        guard UniversalAddress.isWildcard(mapping.rAddr) || registeredHost == "::1" || registeredHost.hasPrefix("127.")
        else {
            throw fail(RPCError(code: .programUnavailable, message: "program \(call.prog) is not a local service"))
        }
        do {
            let results = try await RPCBindForwarder.forward(
                to: try SocketAddress(ipAddress: host, port: port), program: call.prog, version: call.vers,
                procedure: call.proc, arguments: call.args, timeout: configuration.forwardingTimeout)
            registry.countRemoteCall(
                version: version, program: call.prog, programVersion: call.vers, procedure: call.proc, netid: netid,
                indirect: indirect, succeeded: true)
            return (Self.merged(mapping.rAddr, for: context), port, results)
        } catch let error as RPCError {
            throw fail(error.replyBodyIsSent ? error : RPCError(code: .systemError, message: error.message))
        } catch {
            throw fail(RPCError(code: .systemError, message: "\(error)"))
        }
    }
}

extension RPCError {
    /// Whether a server that throws this error answers with the matching error reply.
    var replyBodyIsSent: Bool {
        switch code {
        case .programUnavailable, .programMismatch, .procedureUnavailable, .garbageArguments, .systemError,
            .rpcMismatch, .authError:
            true
        default: false
        }
    }
}

/// Portmap version 2 over the shared table (netids `tcp` and `udp` only).
struct PortmapService: PortmapProgram.Version2.ServiceProtocol {
    let core: RPCBindServer

    static func netid(forProtocol prot: UInt32) -> String? {
        switch prot {
        case 6: "tcp"
        case 17: "udp"
        default: nil
        }
    }

    func null(context: RPCServerContext) async throws {
        core.registry.countCall(version: 0, procedure: 0)
    }

    func set(_ argument: PortmapMapping, context: RPCServerContext) async throws -> Bool {
        guard let netid = Self.netid(forProtocol: argument.prot), argument.port <= 65535 else {
            core.registry.countCall(version: 0, procedure: 1)
            return false
        }
        let port = argument.port
        let mapping = RPCBindMapping(
            rProg: argument.prog, rVers: argument.vers, rNetid: netid, rAddr: "0.0.0.0.\(port >> 8).\(port & 0xFF)",
            rOwner: "")
        return try core.set(mapping, version: 0, context: context)
    }

    func unset(_ argument: PortmapMapping, context: RPCServerContext) async throws -> Bool {
        try core.unset(
            program: argument.prog, version: argument.vers, netids: ["tcp", "udp"], version: 0, context: context)
    }

    func getPort(_ argument: PortmapMapping, context: RPCServerContext) async throws -> UInt32 {
        core.registry.countCall(version: 0, procedure: 3)
        guard let netid = Self.netid(forProtocol: argument.prot) else { return 0 }
        let found = core.registry.lookUp(
            program: argument.prog, version: argument.vers, netid: netid, exactVersion: false)
        core.registry.countLookup(
            version: 0, program: argument.prog, programVersion: argument.vers, netid: netid, found: found != nil)
        return found.flatMap { UniversalAddress.port(of: $0.rAddr) }.map(UInt32.init) ?? 0
    }

    func dump(context: RPCServerContext) async throws -> PortmapListPointer {
        core.registry.countCall(version: 0, procedure: 4)
        var list: PortmapList? = nil
        for mapping in core.registry.mappings.reversed() {
            guard let prot: UInt32 = mapping.rNetid == "tcp" ? 6 : mapping.rNetid == "udp" ? 17 : nil,
                let port = UniversalAddress.port(of: mapping.rAddr)
            else { continue }
            list = PortmapList(
                map: PortmapMapping(prog: mapping.rProg, vers: mapping.rVers, prot: prot, port: UInt32(port)),
                next: list)
        }
        return list
    }

    func callIt(_ argument: PortmapCallArguments, context: RPCServerContext) async throws -> PortmapCallResult {
        let call = RPCBindRemoteCallArguments(
            prog: argument.prog, vers: argument.vers, proc: argument.proc, args: argument.args)
        let result = try await core.forward(call, version: 0, procedure: 5, indirect: false, context: context)
        return PortmapCallResult(port: UInt32(result.port), res: result.results)
    }
}

/// What rpcbind versions 3 and 4 share: their procedures 1 to 4 and 6 to 8 are the same, only
/// counted in their own statistics.
protocol RPCBindVersionService: Sendable {
    var core: RPCBindServer { get }
    /// The version's index in GETSTAT (1 for version 3, 2 for version 4).
    var statisticsIndex: Int { get }
}

extension RPCBindVersionService {
    func set(_ argument: RPCBindMapping, context: RPCServerContext) async throws -> Bool {
        try core.set(argument, version: statisticsIndex, context: context)
    }

    func unset(_ argument: RPCBindMapping, context: RPCServerContext) async throws -> Bool {
        try core.unset(
            program: argument.rProg, version: argument.rVers, netids: argument.rNetid.isEmpty ? nil : [argument.rNetid],
            version: statisticsIndex, context: context)
    }

    func getAddr(_ argument: RPCBindMapping, context: RPCServerContext) async throws -> String {
        core.getAddr(argument, version: statisticsIndex, procedure: 3, exact: false, context: context)
    }

    func dump(context: RPCServerContext) async throws -> RPCBindListPointer {
        core.dump(version: statisticsIndex, procedure: 4)
    }

    func getTime(context: RPCServerContext) async throws -> UInt32 {
        core.getTime(version: statisticsIndex)
    }

    func uaddrToTaddr(_ argument: String, context: RPCServerContext) async throws -> RPCBindTransportAddress {
        core.registry.countCall(version: statisticsIndex, procedure: 7)
        return TransportAddressBytes.transportAddress(argument)
    }

    func taddrToUaddr(_ argument: RPCBindTransportAddress, context: RPCServerContext) async throws -> String {
        core.registry.countCall(version: statisticsIndex, procedure: 8)
        return TransportAddressBytes.universalAddress(argument)
    }

    /// CALLIT (v3), BCAST (v4, both procedure 5) and INDIRECT (v4, procedure 10).
    func remoteCall(
        _ argument: RPCBindRemoteCallArguments, procedure: UInt32, indirect: Bool, context: RPCServerContext
    ) async throws -> RPCBindRemoteCallResult {
        let result = try await core.forward(
            argument, version: statisticsIndex, procedure: procedure, indirect: indirect, context: context)
        return RPCBindRemoteCallResult(addr: result.universalAddress, results: result.results)
    }
}

/// rpcbind version 3 over the shared table.
struct RPCBindV3Service: RPCBindProgram.Version3.ServiceProtocol, RPCBindVersionService {
    let core: RPCBindServer
    var statisticsIndex: Int { 1 }

    func null(context: RPCServerContext) async throws {
        core.registry.countCall(version: statisticsIndex, procedure: 0)
    }

    func callIt(_ argument: RPCBindRemoteCallArguments, context: RPCServerContext) async throws
        -> RPCBindRemoteCallResult
    {
        try await remoteCall(argument, procedure: 5, indirect: false, context: context)
    }
}

/// rpcbind version 4 over the shared table.
struct RPCBindV4Service: RPCBindProgram.Version4.ServiceProtocol, RPCBindVersionService {
    let core: RPCBindServer
    var statisticsIndex: Int { 2 }

    func null(context: RPCServerContext) async throws {
        core.registry.countCall(version: statisticsIndex, procedure: 0)
    }

    func broadcast(_ argument: RPCBindRemoteCallArguments, context: RPCServerContext) async throws
        -> RPCBindRemoteCallResult
    {
        try await remoteCall(argument, procedure: 5, indirect: false, context: context)
    }

    func getVersAddr(_ argument: RPCBindMapping, context: RPCServerContext) async throws -> String {
        core.getAddr(argument, version: 2, procedure: 9, exact: true, context: context)
    }

    func indirect(_ argument: RPCBindRemoteCallArguments, context: RPCServerContext) async throws
        -> RPCBindRemoteCallResult
    {
        try await remoteCall(argument, procedure: 10, indirect: true, context: context)
    }

    func getAddrList(_ argument: RPCBindMapping, context: RPCServerContext) async throws -> RPCBindEntryListPointer {
        core.registry.countCall(version: 2, procedure: 11)
        let wantsIPv6 = RPCBindServer.callerUsesIPv6(context)
        var list: RPCBindEntryList? = nil
        let matching = core.registry.mappings.filter { mapping in
            // As rpcbind: every netid of the caller's address family, whatever r_netid says.
            mapping.rProg == argument.rProg && mapping.rVers == argument.rVers
                && (mapping.rNetid.hasSuffix("6") == wantsIPv6) && mapping.rNetid != "local"
        }
        for mapping in matching.reversed() {
            let stream = mapping.rNetid.hasPrefix("tcp")
            let entry = RPCBindEntry(
                rMaddr: RPCBindServer.merged(mapping.rAddr, for: context), rNcNetid: mapping.rNetid,
                rNcSemantics: stream ? 3 : 1, rNcProtofmly: wantsIPv6 ? "inet6" : "inet",
                rNcProto: stream ? "tcp" : "udp")
            list = RPCBindEntryList(rpcbEntryMap: entry, rpcbEntryNext: list)
        }
        return list
    }

    func getStat(context: RPCServerContext) async throws -> RPCBindStatisticsByVersion {
        core.registry.countCall(version: 2, procedure: 12)
        return core.registry.statistics
    }
}

extension RPCBindServer {
    /// A server that runs this rpcbind over TCP and UDP at `host`:`port`, entered in its own
    /// table (``selfRegistration``). Run it with `serve()`, or as a service of a `ServiceGroup`.
    ///
    /// ```swift
    /// let rpcbind = RPCBindServer().makeServer(port: 111)
    /// try await rpcbind.serve()
    /// ```
    public func makeServer(host: String = "127.0.0.1", port: Int = RPCBindClient.port) -> RPCServer {
        RPCServer(
            transports: [TCPServerTransport(host: host, port: port), UDPServerTransport(host: host, port: port)],
            services: services, registration: selfRegistration)
    }
}
