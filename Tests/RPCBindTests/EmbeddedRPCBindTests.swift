import Logging
import NIOCore
import ONCRPC
import ONCRPCNIOTransport
import ONCRPCTestSupport
import RPCBind
import RPCBindServer
import Testing
import XDR

/// The embedded rpcbind (RPCBindServer) on a free loopback port: every procedure of every
/// version, access rules, limits, and Swift servers and clients using it.
@Suite("The embedded rpcbind", .timeLimit(.minutes(1)))
struct EmbeddedRPCBindTests {
    static func mapping(_ program: UInt32, _ version: UInt32, _ netid: String, _ address: String = "")
        -> RPCBindMapping
    {
        RPCBindMapping(rProg: program, rVers: version, rNetid: netid, rAddr: address, rOwner: "")
    }

    static func uid(_ uid: UInt32) -> RPCCallOptions {
        RPCCallOptions(
            timeout: .seconds(5),
            credentials: .sys(AuthSysParameters(stamp: 1, machineName: "test", uid: uid, gid: uid, gids: [])))
    }

    @Test(arguments: [RPCTransportKind.udp, .tcp])
    func everyProcedureOfEveryVersion(over transport: RPCTransportKind) async throws {
        try await withEmbeddedRPCBind { embedded in
            try await withRPCBindClient(port: embedded.port, over: transport) { rpcbind in
                // NULL of each version; other versions are PROG_MISMATCH(2, 4).
                try await rpcbind.version2.null()
                try await rpcbind.version3.null()
                try await rpcbind.version4.null()
                let mismatch = await #expect(throws: RPCError.self) {
                    try await rpcbind.client.ping(program: 100_000, version: 5)
                }
                #expect(mismatch?.code == .programMismatch)
                #expect(mismatch?.code.supportedVersions == RPCVersionRange(low: 2, high: 4))

                // rpcbind registered itself.
                let selfPort = try await rpcbind.version2.getPort(
                    PortmapMapping(prog: 100_000, vers: 2, prot: 17, port: 0))
                #expect(Int(selfPort) == embedded.port)

                // v2 SET, GETPORT, DUMP, UNSET.
                #expect(try await rpcbind.version2.set(PortmapMapping(prog: 0x3000_0001, vers: 1, prot: 6, port: 2000)))
                #expect(
                    !(try await rpcbind.version2.set(PortmapMapping(prog: 0x3000_0001, vers: 1, prot: 6, port: 2001))))
                #expect(
                    try await rpcbind.version2.getPort(PortmapMapping(prog: 0x3000_0001, vers: 1, prot: 6, port: 0))
                        == 2000)
                #expect(
                    try await rpcbind.version2.getPort(PortmapMapping(prog: 0x3000_0001, vers: 1, prot: 17, port: 0))
                        == 0)
                let dump2 = RPCBindClient.array(try await rpcbind.version2.dump())
                #expect(dump2.contains(PortmapMapping(prog: 0x3000_0001, vers: 1, prot: 6, port: 2000)))
                #expect(try await rpcbind.version2.unset(PortmapMapping(prog: 0x3000_0001, vers: 1, prot: 0, port: 0)))
                #expect(
                    try await rpcbind.version2.getPort(PortmapMapping(prog: 0x3000_0001, vers: 1, prot: 6, port: 0))
                        == 0)

                // v3 SET, GETADDR (any version), DUMP, UNSET.
                #expect(try await rpcbind.version3.set(Self.mapping(0x3000_0002, 2, "udp6", "::1.7.208")))
                #expect(try await rpcbind.version3.getAddr(Self.mapping(0x3000_0002, 2, "udp6")) == "::1.7.208")
                #expect(try await rpcbind.version3.getAddr(Self.mapping(0x3000_0002, 9, "udp6")) == "::1.7.208")
                #expect(try await rpcbind.version3.getAddr(Self.mapping(0x3000_0002, 2, "tcp")) == "")
                let dump3 = RPCBindClient.array(try await rpcbind.version3.dump())
                #expect(dump3.contains { $0.rProg == 0x3000_0002 && $0.rOwner == "unknown" })
                #expect(try await rpcbind.version3.unset(Self.mapping(0x3000_0002, 2, "")))
                #expect(!(try await rpcbind.version3.unset(Self.mapping(0x3000_0002, 2, ""))))

                // GETTIME, UADDR2TADDR, TADDR2UADDR in v3 and v4.
                #expect(try await rpcbind.version3.getTime() > 1_700_000_000)
                #expect(try await rpcbind.version4.getTime() > 1_700_000_000)
                let taddr = try await rpcbind.version3.uaddrToTaddr("10.0.0.1.0.111")
                #expect(Array(taddr.buf.readableBytesView) == [2, 0, 0, 111, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0])
                #expect(try await rpcbind.version4.taddrToUaddr(taddr) == "10.0.0.1.0.111")
                #expect(try await rpcbind.version4.uaddrToTaddr("nonsense").maxlen == 0)
                #expect(
                    try await rpcbind.version3.taddrToUaddr(RPCBindTransportAddress(maxlen: 0, buf: ByteBuffer())) == ""
                )

                // v4 SET, GETADDR with a merged address, GETVERSADDR (exact), GETADDRLIST, DUMP, UNSET.
                #expect(try await rpcbind.version4.set(Self.mapping(0x3000_0003, 1, "tcp", "0.0.0.0.4.0")))
                #expect(try await rpcbind.version4.set(Self.mapping(0x3000_0003, 1, "udp", "0.0.0.0.4.1")))
                #expect(try await rpcbind.version4.getAddr(Self.mapping(0x3000_0003, 1, "tcp")) == "127.0.0.1.4.0")
                #expect(try await rpcbind.version4.getAddr(Self.mapping(0x3000_0003, 2, "tcp")) == "127.0.0.1.4.0")
                #expect(try await rpcbind.version4.getVersAddr(Self.mapping(0x3000_0003, 2, "tcp")) == "")
                #expect(try await rpcbind.version4.getVersAddr(Self.mapping(0x3000_0003, 1, "udp")) == "127.0.0.1.4.1")
                let list = RPCBindClient.array(try await rpcbind.version4.getAddrList(Self.mapping(0x3000_0003, 1, "")))
                #expect(
                    list == [
                        RPCBindEntry(
                            rMaddr: "127.0.0.1.4.0", rNcNetid: "tcp", rNcSemantics: 3, rNcProtofmly: "inet",
                            rNcProto: "tcp"),
                        RPCBindEntry(
                            rMaddr: "127.0.0.1.4.1", rNcNetid: "udp", rNcSemantics: 1, rNcProtofmly: "inet",
                            rNcProto: "udp"),
                    ])
                #expect(
                    RPCBindClient.array(try await rpcbind.version4.dump()).filter { $0.rProg == 0x3000_0003 }.count == 2
                )
                #expect(try await rpcbind.version4.unset(Self.mapping(0x3000_0003, 1, "tcp")))
                #expect(try await rpcbind.version4.getVersAddr(Self.mapping(0x3000_0003, 1, "tcp")) == "")
                #expect(try await rpcbind.version4.getVersAddr(Self.mapping(0x3000_0003, 1, "udp")) != "")

                // GETSTAT counts what happened above.
                let stats = try await rpcbind.version4.getStat()
                #expect(stats.count == 3)
                #expect(stats[0].info[0] == 1 && stats[0].setinfo == 1 && stats[0].unsetinfo == 1)
                #expect(stats[0].info[3] == 4)
                #expect(stats[1].setinfo == 1 && stats[1].unsetinfo == 1 && stats[1].info[2] == 2)
                #expect(stats[2].setinfo == 2 && stats[2].info[12] == 1 && stats[2].info[9] == 4)
                var lookups = 0
                var entry = stats[2].addrinfo
                while let current = entry {
                    lookups += Int(current.success + current.failure)
                    entry = current.next
                }
                #expect(lookups == 6)  // 2 GETADDR + 4 GETVERSADDR
            }
        }
    }

    @Test func forwardingWithCallitBcastAndIndirect() async throws {
        try await withEmbeddedRPCBind { embedded in
            // A Swift server registers with the embedded rpcbind.
            let udp = UDPServerTransport(host: "127.0.0.1", port: 0)
            let server = RPCServer(
                transports: [udp], services: [TestProgram.version1()],
                registration: .rpcbind(host: "127.0.0.1", port: embedded.port, over: .udp))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await server.serve() }
                defer { server.beginGracefulShutdown() }
                let udpPort = try await udp.listeningAddress().port!
                let registered = await eventually {
                    embedded.rpcbind.registry.mappings.contains { $0.rProg == TestProgram.program }
                }
                #expect(registered)
                let arguments = try TestProgram.Pair(a: 20, b: 22).xdrBytes()
                try await withRPCBindClient(port: embedded.port, over: .udp) { rpcbind in
                    let v2 = try await rpcbind.version2.callIt(
                        PortmapCallArguments(
                            prog: TestProgram.program, vers: 1, proc: TestProgram.Procedure.add.rawValue,
                            args: arguments))
                    #expect(Int(v2.port) == udpPort)
                    #expect(try Int32(xdrBytes: v2.res) == 42)
                    let call = RPCBindRemoteCallArguments(
                        prog: TestProgram.program, vers: 1, proc: TestProgram.Procedure.add.rawValue, args: arguments)
                    let v3 = try await rpcbind.version3.callIt(call)
                    #expect(try Int32(xdrBytes: v3.results) == 42)
                    #expect(UniversalAddress.port(of: v3.addr) == udpPort)
                    let v4 = try await rpcbind.version4.indirect(call)
                    #expect(try Int32(xdrBytes: v4.results) == 42)

                    // INDIRECT reports errors; CALLIT stays silent (the call times out).
                    var unknown = call
                    unknown.prog = 0x3FFF_0000
                    let notThere = await #expect(throws: RPCError.self) { try await rpcbind.version4.indirect(unknown) }
                    #expect(notThere?.code == .programUnavailable)
                    var badProcedure = call
                    badProcedure.proc = 99
                    let noProcedure = await #expect(throws: RPCError.self) {
                        try await rpcbind.version4.indirect(badProcedure)
                    }
                    #expect(noProcedure?.code == .procedureUnavailable)
                    var toRPCBind = call
                    toRPCBind.prog = 100_000
                    await #expect(throws: RPCError.self) { try await rpcbind.version4.indirect(toRPCBind) }
                    let silent = await #expect(throws: RPCError.self) {
                        try await rpcbind.version2.callIt(
                            PortmapCallArguments(prog: 0x3FFF_0000, vers: 1, proc: 1, args: ByteBuffer()),
                            options: RPCCallOptions(timeout: .milliseconds(600)))
                    }
                    #expect(silent?.code == .timedOut)
                }
                server.beginGracefulShutdown()
                try await group.waitForAll()
            }
            // The server unregistered on shutdown.
            #expect(!embedded.rpcbind.registry.mappings.contains { $0.rProg == TestProgram.program })
        }
    }

    @Test func forwardingCanBeRefused() async throws {
        try await withEmbeddedRPCBind(configuration: .init(forwarding: .refused)) { embedded in
            #expect(
                embedded.rpcbind.registry.set(Self.mapping(0x3000_0010, 1, "udp", "0.0.0.0.0.9"), owner: "superuser"))
            try await withRPCBindClient(port: embedded.port, over: .udp) { rpcbind in
                let error = await #expect(throws: RPCError.self) {
                    try await rpcbind.version4.indirect(
                        RPCBindRemoteCallArguments(prog: 0x3000_0010, vers: 1, proc: 0, args: ByteBuffer()))
                }
                #expect(error?.code == .procedureUnavailable)
            }
        }
    }

    @Test func forwardingIsNeverAimedAtAnotherHost() async throws {
        try await withEmbeddedRPCBind { embedded in
            // A mapping pointing at another host (made directly in the table: SET from a remote
            // peer is refused) is never a forwarding target: CALLIT cannot be used as a relay.
            #expect(
                embedded.rpcbind.registry.set(
                    Self.mapping(0x3000_0011, 1, "udp", "192.0.2.10.0.111"), owner: "superuser"))
            try await withRPCBindClient(port: embedded.port, over: .udp) { rpcbind in
                let error = await #expect(throws: RPCError.self) {
                    try await rpcbind.version4.indirect(
                        RPCBindRemoteCallArguments(prog: 0x3000_0011, vers: 1, proc: 0, args: ByteBuffer()))
                }
                #expect(error?.code == .programUnavailable)  // as if it were not registered
            }
        }
    }

    @Test func unsetFromANonLoopbackPeerIsRefused() async throws {
        let rpcbind = RPCBindServer()
        #expect(rpcbind.registry.set(Self.mapping(0x3000_0031, 1, "tcp", "0.0.0.0.1.1"), owner: "superuser"))
        let dispatcher = RPCDispatcher(router: RPCRouter(services: rpcbind.services), logger: Logger(label: "test"))
        var call = XDRWriter()
        try RPCCallHeader(
            xid: 9, rpcVersion: 2, program: 100_000, version: 4, procedure: 2, credentials: .none, verifier: .none
        ).encode(to: &call)
        try Self.mapping(0x3000_0031, 1, "").encode(to: &call)
        let remote = RPCPeer(transport: .tcp, address: "192.0.2.10:700", isLocal: false)
        let reply = try #require(await dispatcher.handle(record: call.buffer, peer: remote))
        #expect(try TestProgram.replyHeader(reply).0.body == .denied(.authError(.tooWeak)))
        #expect(rpcbind.registry.mappings.count == 1)
    }

    @Test func unsetOnlyByTheOwnerOrTheSuperuser() async throws {
        try await withEmbeddedRPCBind { embedded in
            try await withRPCBindClient(port: embedded.port, over: .tcp) { rpcbind in
                let v4 = rpcbind.version4
                #expect(try await v4.set(Self.mapping(0x3000_0020, 1, "tcp", "0.0.0.0.1.1"), options: Self.uid(1000)))
                let dump = RPCBindClient.array(try await v4.dump())
                #expect(dump.first { $0.rProg == 0x3000_0020 }?.rOwner == "1000")
                // Another user may not remove it; nothing is removed.
                #expect(!(try await v4.unset(Self.mapping(0x3000_0020, 1, ""), options: Self.uid(1001))))
                #expect(!(try await v4.unset(Self.mapping(0x3000_0020, 1, ""))))
                #expect(try await v4.getVersAddr(Self.mapping(0x3000_0020, 1, "tcp")) == "127.0.0.1.1.1")
                // The owner may.
                #expect(try await v4.unset(Self.mapping(0x3000_0020, 1, ""), options: Self.uid(1000)))
                // The superuser may remove anyone's.
                #expect(try await v4.set(Self.mapping(0x3000_0020, 1, "tcp", "0.0.0.0.1.1"), options: Self.uid(1000)))
                #expect(try await v4.unset(Self.mapping(0x3000_0020, 1, "tcp"), options: Self.uid(0)))
            }
        }
    }

    @Test func setFromANonLoopbackPeerIsRefused() async throws {
        let rpcbind = RPCBindServer()
        let dispatcher = RPCDispatcher(router: RPCRouter(services: rpcbind.services), logger: Logger(label: "test"))
        var call = XDRWriter()
        try RPCCallHeader(
            xid: 7, rpcVersion: 2, program: 100_000, version: 4, procedure: 1, credentials: .none, verifier: .none
        ).encode(to: &call)
        try Self.mapping(0x3000_0030, 1, "tcp", "0.0.0.0.1.1").encode(to: &call)
        let remote = RPCPeer(transport: .udp, address: "192.0.2.10:700", isLocal: false)
        let reply = try #require(await dispatcher.handle(record: call.buffer, peer: remote))
        let (header, _) = try TestProgram.replyHeader(reply)
        #expect(header.body == .denied(.authError(.tooWeak)))
        #expect(rpcbind.registry.mappings.isEmpty)
        // The same call from loopback is accepted.
        let local = RPCPeer(transport: .udp, address: "127.0.0.1:700", isLocal: true)
        _ = await dispatcher.handle(record: call.buffer, peer: local)
        #expect(rpcbind.registry.mappings.count == 1)
    }

    @Test func aDumpOfThousandsOfEntriesAndTheTableLimit() async throws {
        try await withEmbeddedRPCBind(configuration: .init(maximumMappings: 5000)) { embedded in
            for index in 0..<4990 {
                _ = embedded.rpcbind.registry.set(
                    Self.mapping(0x3100_0000 + UInt32(index), 1, "tcp", "0.0.0.0.1.1"), owner: "superuser")
            }
            try await withRPCBindClient(port: embedded.port, over: .tcp) { rpcbind in
                let dump = RPCBindClient.array(try await rpcbind.version4.dump())
                #expect(dump.count == 4996)  // 4990 + rpcbind's own 6 (versions 2, 3, 4 over tcp and udp)
                #expect(RPCBindClient.array(try await rpcbind.version2.dump()).count == 4996)
                for index in 0..<4 {
                    #expect(
                        try await rpcbind.version4.set(
                            Self.mapping(0x3200_0000 + UInt32(index), 1, "tcp", "0.0.0.0.1.1")))
                }
                #expect(!(try await rpcbind.version4.set(Self.mapping(0x3300_0000, 1, "tcp", "0.0.0.0.1.1"))))
            }
        }
    }

    @Test func aHostileListInARequestIsBounded() async throws {
        let rpcbind = RPCBindServer()
        let dispatcher = RPCDispatcher(router: RPCRouter(services: rpcbind.services), logger: Logger(label: "test"))
        var call = XDRWriter()
        try RPCCallHeader(
            xid: 8, rpcVersion: 2, program: 100_000, version: 3, procedure: 8, credentials: .none, verifier: .none
        ).encode(to: &call)
        call.writeUInt32(16)
        call.writeUInt32(0xFFFF_FFF0)  // a netbuf claiming 4 GiB of bytes
        let reply = try #require(
            await dispatcher.handle(
                record: call.buffer, peer: RPCPeer(transport: .udp, address: "127.0.0.1:1", isLocal: true)))
        let (header, _) = try TestProgram.replyHeader(reply)
        #expect(header.body == .accepted(verifier: .none, status: .garbageArguments))
    }

    /// The reply of a hostile "rpcbind": a DUMP list of `count` empty entries.
    struct HostileDump: XDREncodable, Sendable {
        var count: Int

        func encode(to writer: inout XDRWriter) throws {
            writer.writeBool(count > 0)
            for index in 0..<count {
                writer.writeUInt32(0x4000_0000)  // program
                writer.writeUInt32(1)  // version
                for _ in 0..<3 { writer.writeUInt32(0) }  // netid, address, owner: ""
                writer.writeBool(index + 1 < count)
            }
        }
    }

    @Test func aHostileDumpReplyIsBoundedByTheClientsLimits() async throws {
        let tcp = TCPServerTransport()
        let hostile = RPCServiceDefinition(
            program: RPCBindClient.program, version: 4,
            methods: [
                RPCMethod(procedure: 4, name: "DUMP") { (_: XDRVoid, _) in HostileDump(count: 20_000) },
                RPCMethod(procedure: 5, name: "DUMP_HUGE") { (_: XDRVoid, _) in HostileDump(count: 60_000) },
            ])
        let server = RPCServer(transports: [tcp], services: [hostile])
        async let serving: Void = server.serve()
        let port = try await tcp.listeningAddress().port!
        defer { server.beginGracefulShutdown() }
        // 20,000 entries (480 kB): over a 64 KiB decoding budget the client fails cleanly...
        var small = XDRDecodingOptions.default
        small.maximumAllocation = 64 << 10
        let transport = TCPClientTransport(
            server: .host("127.0.0.1", port: port), configuration: .init(maximumRecordSize: 1 << 20))
        try await withRPCClient(transport: transport) { client in
            let limited = RPCClient(transport: client.transport, decodingOptions: small)
            let error = await rpcError {
                _ = try await limited.call(
                    program: RPCBindClient.program, version: 4, procedure: 4, arguments: XDRVoid(),
                    resultType: RPCBindListPointer.self)
            }
            #expect(error?.code == .invalidReply)
            // ...and within the default budget it reads them all, iteratively.
            let list = try await client.call(
                program: RPCBindClient.program, version: 4, procedure: 4, arguments: XDRVoid(),
                resultType: RPCBindListPointer.self)
            #expect(RPCBindClient.array(list).count == 20_000)
            // 60,000 entries (1.44 MB) exceed the client's largest reply record (1 MiB here): an
            // error as soon as the fragment header arrives, not a 1.44 MB buffer.
            let huge = await rpcError {
                _ = try await client.call(
                    program: RPCBindClient.program, version: 4, procedure: 5, arguments: XDRVoid(),
                    resultType: RPCBindListPointer.self)
            }
            #expect(huge != nil)
        }
        server.beginGracefulShutdown()
        try await serving
    }

    @Test func aSwiftClientResolvesThroughTheEmbeddedRPCBind() async throws {
        try await withEmbeddedRPCBind { embedded in
            let tcp = TCPServerTransport(host: "127.0.0.1", port: 0)
            let server = RPCServer(
                transports: [tcp], services: [TestProgram.version1()],
                registration: .rpcbind(host: "127.0.0.1", port: embedded.port, over: .tcp))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await server.serve() }
                defer { server.beginGracefulShutdown() }
                _ = try await tcp.listeningAddress()
                #expect(
                    await eventually { embedded.rpcbind.registry.mappings.contains { $0.rProg == TestProgram.program } }
                )
                let transport = TCPClientTransport(
                    server: .rpcbind(
                        host: "127.0.0.1", program: TestProgram.program, version: 1, over: .tcp,
                        rpcbindPort: embedded.port))
                let sum = try await withRPCClient(transport: transport) { client in
                    try await client.call(
                        program: TestProgram.program, version: 1, procedure: TestProgram.Procedure.add.rawValue,
                        arguments: TestProgram.Pair(a: 1, b: 2), resultType: Int32.self)
                }
                #expect(sum == 3)
                server.beginGracefulShutdown()
                try await group.waitForAll()
            }
        }
    }

    @Test func theResolverLooksAgainWhenTheServerMoves() async throws {
        try await withEmbeddedRPCBind { embedded in
            let transport = TCPClientTransport(
                server: .rpcbind(
                    host: "127.0.0.1", program: TestProgram.program, version: 1, over: .tcp, rpcbindPort: embedded.port)
            )
            try await withRPCClient(transport: transport, defaultOptions: RPCCallOptions(timeout: .seconds(5))) {
                client in
                var ports: [Int] = []
                for round in 0..<2 {
                    // A server on a new free port each round, registered with the embedded rpcbind.
                    let tcp = TCPServerTransport(host: "127.0.0.1", port: 0)
                    let server = RPCServer(
                        transports: [tcp], services: [TestProgram.version1()],
                        registration: .rpcbind(host: "127.0.0.1", port: embedded.port, over: .udp))
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { try await server.serve() }
                        defer { server.beginGracefulShutdown() }
                        ports.append(try await tcp.listeningAddress().port!)
                        #expect(
                            await eventually {
                                embedded.rpcbind.registry.mappings.contains {
                                    $0.rProg == TestProgram.program && UniversalAddress.port(of: $0.rAddr) == ports.last
                                }
                            })
                        let echoed = try await client.call(
                            program: TestProgram.program, version: 1, procedure: TestProgram.Procedure.echo.rawValue,
                            arguments: "round \(round)", resultType: String.self)
                        #expect(echoed == "round \(round)")
                        server.beginGracefulShutdown()
                        try await group.waitForAll()
                    }
                }
                #expect(ports[0] != ports[1])
            }
        }
    }

    @Test func aRefusedRegistrationStopsTheServerWithAnError() async throws {
        try await withEmbeddedRPCBind { embedded in
            // Someone else (uid 1000) holds the mapping; our server (uid from getuid) cannot replace it
            // unless it is root, so take it as superuser-held from a remote-looking owner instead.
            #expect(
                embedded.rpcbind.registry.set(Self.mapping(TestProgram.program, 1, "tcp", "0.0.0.0.1.1"), owner: "1000")
            )
            let server = RPCServer(
                transports: [TCPServerTransport(host: "127.0.0.1", port: 0)], services: [TestProgram.version1()],
                registration: .rpcbind(host: "127.0.0.1", port: embedded.port, over: .udp))
            let error = await #expect(throws: RPCError.self) { try await server.serve() }
            #expect(error?.code == .registrationFailed)
            #expect(error?.message.contains("refused to register") == true)
        }
    }
}
