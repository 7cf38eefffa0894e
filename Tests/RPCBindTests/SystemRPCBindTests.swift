import Foundation
import NIOCore
import NIOPosix
import ONCRPC
import ONCRPCNIOTransport
import ONCRPCTestSupport
import RPCBind
import RPCBindServer
import Testing
import XDR

/// Against the system's rpcbind on 127.0.0.1:111 (scripts/test starts one if none runs).
@Suite("The system rpcbind", .serialized, .timeLimit(.minutes(1)))
struct SystemRPCBindTests {
    @Test func aSwiftServerRegistersIsFoundAndUnregisters() async throws {
        let program = TestProgram.program
        let tcp = TCPServerTransport(host: "127.0.0.1", port: 0)
        let udp = UDPServerTransport(host: "127.0.0.1", port: 0)
        let server = RPCServer(
            transports: [tcp, udp], services: [TestProgram.version1(), TestProgram.version2()], registration: .rpcbind)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            defer { server.beginGracefulShutdown() }
            let tcpPort = try await tcp.listeningAddress().port!
            let udpPort = try await udp.listeningAddress().port!

            // The C rpcinfo shows both versions on both transports with our ports.
            let registered = try await eventually { try await portmapRows(program: program).count == 4 }
            #expect(registered, "rpcinfo -p does not show program \(program)")
            let lines = try await portmapRows(program: program)
            #expect(lines.contains { $0.version == 1 && $0.proto == "tcp" && $0.port == tcpPort })
            #expect(lines.contains { $0.version == 2 && $0.proto == "tcp" && $0.port == tcpPort })
            #expect(lines.contains { $0.version == 1 && $0.proto == "udp" && $0.port == udpPort })
            #expect(lines.contains { $0.version == 2 && $0.proto == "udp" && $0.port == udpPort })
            // rpcinfo -t and -u ping it.
            let pingTCP = try await runTool(rpcinfo, ["-t", "127.0.0.1", "\(program)", "1"])
            #expect(pingTCP.output.contains("program \(program) version 1 ready and waiting"), "\(pingTCP.output)")
            let pingUDP = try await runTool(rpcinfo, ["-u", "127.0.0.1", "\(program)", "2"])
            #expect(pingUDP.output.contains("program \(program) version 2 ready and waiting"), "\(pingUDP.output)")

            // A Swift client finds it through rpcbind and calls it over TCP and over UDP.
            let overTCP = TCPClientTransport(
                server: .rpcbind(host: "127.0.0.1", program: program, version: 1, over: .tcp))
            let echoed = try await withRPCClient(transport: overTCP) { client in
                try await client.call(
                    program: program, version: 1, procedure: TestProgram.Procedure.echo.rawValue,
                    arguments: "over tcp", resultType: String.self)
            }
            #expect(echoed == "over tcp")
            let overUDP = UDPClientTransport(
                server: .rpcbind(host: "localhost", program: program, version: 2, over: .udp))
            let shouted = try await withRPCClient(transport: overUDP) { client in
                try await client.call(
                    program: program, version: 2, procedure: TestProgram.Procedure.echo.rawValue,
                    arguments: "over udp", resultType: String.self)
            }
            #expect(shouted == "OVER UDP")

            // Every lookup path of the Swift rpcbind client agrees.
            try await withRPCBindClient(over: .tcp) { rpcbind in
                let v4 = try await rpcbind.version4.getVersAddr(
                    RPCBindMapping(rProg: program, rVers: 1, rNetid: "tcp", rAddr: "", rOwner: ""))
                #expect(UniversalAddress.port(of: v4) == tcpPort)
                let port = try await rpcbind.version2.getPort(PortmapMapping(prog: program, vers: 1, prot: 17, port: 0))
                #expect(Int(port) == udpPort)
                let mappings = try await rpcbind.mappings().filter { $0.rProg == program }
                #expect(Set(mappings.map(\.rNetid)) == ["tcp", "udp"])
            }
            server.beginGracefulShutdown()
            try await group.waitForAll()
        }
        // Shutdown unregistered it.
        #expect(try await portmapRows(program: program).isEmpty)
        await #expect(throws: RPCError.self) {
            try await RPCBindResolver.resolve(host: "127.0.0.1", program: program, version: 1, over: .tcp)
        }
    }

    /// A Swift server serving rstatd's program, version 3, started by mistake: rstatd (a C
    /// daemon) answers at its registered address, so registering fails, names that address and
    /// owner, and leaves rstatd registered; the TCP endpoint set before the refusal is undone.
    @Test func registrationDoesNotTakeALiveDaemonsPlace() async throws {
        let before = try await portmapRows(program: 100_001).filter { $0.version == 3 && $0.proto == "udp" }
        #expect(before.count == 1, "rstatd must be registered (scripts/test starts rpc.rstatd)")
        let impostor = RPCServiceDefinition(program: 100_001, version: 3, methods: [])
        let server = RPCServer(
            transports: [TCPServerTransport(host: "127.0.0.1", port: 0), UDPServerTransport(host: "127.0.0.1", port: 0)],
            services: [impostor], registration: .rpcbind)
        let error = await #expect(throws: RPCError.self) { try await server.serve() }
        #expect(error?.code == .registrationFailed)
        let port = before.first?.port ?? 0
        #expect(error?.message.contains("100001 version 3 over udp is registered at") == true, "\(String(describing: error))")
        #expect(error?.message.contains(".\(port >> 8).\(port & 0xFF)") == true, "\(String(describing: error))")
        #expect(error?.message.contains("owner") == true)
        let after = try await portmapRows(program: 100_001).filter { $0.version == 3 }
        #expect(after.count == 1 && after.first?.proto == "udp" && after.first?.port == port, "\(after)")
        let ping = try await runTool(rpcinfo, ["-u", "127.0.0.1", "100001", "3"])
        #expect(ping.output.contains("program 100001 version 3 ready and waiting"), "\(ping.output)")
    }

    /// A registration left by a server that is gone (nothing answers at its address) is
    /// replaced, and a live one is replaced only with `replaceExisting`.
    @Test func aStaleRegistrationIsReplacedAndALiveOneOnlyWhenAsked() async throws {
        let program: UInt32 = 0x2000_0F01
        let service = RPCServiceDefinition(program: program, version: 1, methods: [])
        // Stale: an address whose port was free a moment ago (a listener closed at once).
        let closed = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let stalePort = closed.localAddress!.port!
        try await closed.close()
        try await withRPCBindClient(over: .udp) { rpcbind in
            _ = try await rpcbind.unset(program: program, version: 1, netid: "", owner: "0")
            #expect(
                try await rpcbind.version4.set(
                    RPCBindMapping(
                        rProg: program, rVers: 1, rNetid: "tcp", rAddr: "127.0.0.1.\(stalePort >> 8).\(stalePort & 0xFF)",
                        rOwner: "0")))
        }
        let first = TCPServerTransport(host: "127.0.0.1", port: 0)
        let live = RPCServer(transports: [first], services: [service], registration: .rpcbind)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await live.serve() }
            defer { live.beginGracefulShutdown() }
            let firstPort = try await first.listeningAddress().port!
            #expect(try await eventually { try await portmapRows(program: program).map(\.port) == [firstPort] })

            // The first server answers: a second one may not take its place...
            let refused = RPCServer(
                transports: [TCPServerTransport(host: "127.0.0.1", port: 0)], services: [service], registration: .rpcbind)
            let error = await #expect(throws: RPCError.self) { try await refused.serve() }
            #expect(error?.code == .registrationFailed)
            #expect(error?.message.contains("replaceExisting") == true)
            #expect(try await portmapRows(program: program).map(\.port) == [firstPort])

            // ...unless it asks to.
            let second = TCPServerTransport(host: "127.0.0.1", port: 0)
            let replacing = RPCServer(
                transports: [second], services: [service], registration: .rpcbind(replaceExisting: true))
            try await withThrowingTaskGroup(of: Void.self) { inner in
                inner.addTask { try await replacing.serve() }
                defer { replacing.beginGracefulShutdown() }
                let secondPort = try await second.listeningAddress().port!
                #expect(try await eventually { try await portmapRows(program: program).map(\.port) == [secondPort] })
                replacing.beginGracefulShutdown()
                try await inner.waitForAll()
            }
            live.beginGracefulShutdown()
            try await group.waitForAll()
        }
        #expect(try await portmapRows(program: program).isEmpty)
    }

    @Test func swiftRPCInfoPrintsWhatRPCInfoPrints() async throws {
        for option in ["-p", "-s"] {
            // Other suites (the interop matrix) may register programs meanwhile: compare only
            // when the C tool printed the same table before and after swift-rpcinfo.
            var compared = false
            for _ in 0..<20 where !compared {
                let before = try await runTool(rpcinfo, [option, "127.0.0.1"])
                let swift = try await runTool("\(binDirectory)/swift-rpcinfo", [option, "127.0.0.1"])
                let after = try await runTool(rpcinfo, [option, "127.0.0.1"])
                #expect(before.status == 0 && swift.status == 0)
                guard before.output == after.output else {
                    try await Task.sleep(for: .milliseconds(200))
                    continue
                }
                compared = true
                #expect(swift.output == before.output, "swift-rpcinfo \(option) differs from rpcinfo \(option)")
            }
            #expect(compared, "rpcbind's table kept changing")
        }
        let ping = try await runTool("\(binDirectory)/swift-rpcinfo", ["-u", "127.0.0.1", "portmapper"])
        #expect(ping.output == (2...4).map { "program 100000 version \($0) ready and waiting\n" }.joined())
        let missing = try await runTool("\(binDirectory)/swift-rpcinfo", ["-t", "127.0.0.1", "805306352"])
        #expect(missing.status == 1)
        #expect(missing.output.contains("RPC: Program not registered"))
        let mismatch = try await runTool("\(binDirectory)/swift-rpcinfo", ["-t", "127.0.0.1", "100000", "9"])
        #expect(mismatch.status == 1)
        #expect(mismatch.output.contains("program 100000 version 9 is not available"))
    }

    /// The README's main command (oncrpc-demo), with the system's rpcbind and (in a network namespace where
    /// none answers) with the embedded one.
    @Test func theDemoRunsWithAndWithoutASystemRPCBind() async throws {
        let demo = "\(binDirectory)/oncrpc-demo"
        let withSystem = try await runTool(demo, [])
        #expect(withSystem.status == 0, "\(withSystem.output)")
        #expect(withSystem.output.contains("rpcbind: using the system's rpcbind"))
        let withoutSystem = try await runTool(
            "/usr/bin/unshare", ["--net", "/bin/sh", "-c", "ip link set lo up && exec \(demo)"])
        #expect(withoutSystem.status == 0, "\(withoutSystem.output)")
        #expect(withoutSystem.output.contains("rpcbind: no system rpcbind; started an embedded one"))
        for run in [withSystem.output, withoutSystem.output] {
            #expect(run.contains("[tcp] GET colour-tcp: found \"green\""))
            #expect(run.contains("[udp] NULL at version 9: program version mismatch (supported: 1-1)"))
            #expect(run.contains("server: shut down and unregistered"))
        }
    }

    @Test func anUnregisteredProgramIsNotRegistered() async throws {
        let error = await #expect(throws: RPCError.self) {
            try await RPCBindResolver.resolve(host: "127.0.0.1", program: 0x2FFF_FFF0, version: 3, over: .udp)
        }
        #expect(error?.code == .notRegistered)
        #expect(error?.message.contains("program 805306352 version 3") == true)
        #expect(error?.message.contains("netid udp") == true)
        // And a call through that resolver fails the same way.
        let transport = TCPClientTransport(
            server: .rpcbind(host: "127.0.0.1", program: 0x2FFF_FFF0, version: 3, over: .tcp))
        let callError = await #expect(throws: RPCError.self) {
            try await withRPCClient(transport: transport) { client in
                try await client.ping(program: 0x2FFF_FFF0, version: 3)
            }
        }
        #expect(callError?.code == .notRegistered)
    }

    /// One transport kind for every lookup: rpcbind finds itself by netid `tcp`, `udp` and
    /// `local` (its Unix-domain socket, a path), and the generated client connects there.
    @Test func aOneLineClientReachesRPCBindOverEachKind() async throws {
        for kind in [RPCTransportKind.tcp, .udp, .local] {
            let time = try await RPCBindProgram.Version4.withClient(host: "127.0.0.1", over: kind) { rpcbind in
                try await rpcbind.null()
                return try await rpcbind.getTime()
            }
            #expect(abs(Int(time) - Int(Date().timeIntervalSince1970)) < 60, "\(kind)")
        }
        // The in-process kind has no netid: a clear error, not a hang.
        let error = await #expect(throws: RPCError.self) {
            try await RPCBindProgram.Version4.withClient(host: "127.0.0.1", over: .inProcess) { try await $0.null() }
        }
        #expect(error?.code == .unreachable)
        #expect(error?.message.contains("in-process") == true, "\(String(describing: error))")
    }

    @Test func everyReadOnlyProcedureOfTheSystemRPCBind() async throws {
        for transport: RPCTransportKind in [.udp, .tcp, .local] {
            let path = RPCBindClient.localSocketPath
            if transport == .local, !FileManager.default.fileExists(atPath: path) {
                Issue.record("\(path) is missing: the system rpcbind should create it (start it with rpcbind -w)")
                continue
            }
            try await withRPCBindClient(over: transport) { rpcbind in
                try await rpcbind.version2.null()
                try await rpcbind.version3.null()
                try await rpcbind.version4.null()
                let port = try await rpcbind.version2.getPort(PortmapMapping(prog: 100_000, vers: 2, prot: 6, port: 0))
                #expect(port == 111)
                #expect(RPCBindClient.array(try await rpcbind.version2.dump()).contains { $0.prog == 100_000 })
                #expect(!RPCBindClient.array(try await rpcbind.version3.dump()).isEmpty)
                let time = try await rpcbind.version4.getTime()
                #expect(abs(Int(time) - Int(Date().timeIntervalSince1970)) < 60)
                if case .local = transport {
                    // Over the local socket rpcbind converts with the local netid (sockaddr_un).
                    let taddr = try await rpcbind.version3.uaddrToTaddr("/tmp/x")
                    #expect(taddr.buf.getInteger(at: taddr.buf.readerIndex, endianness: .little, as: UInt16.self) == 1)
                } else {
                    // The system's sockaddr bytes are the ones the embedded rpcbind makes.
                    let taddr = try await rpcbind.version3.uaddrToTaddr("127.0.0.1.3.232")
                    #expect(taddr == TransportAddressBytes.transportAddress("127.0.0.1.3.232"))
                    let uaddr = try await rpcbind.version4.taddrToUaddr(taddr)
                    #expect(uaddr == "127.0.0.1.3.232", "\(transport): \(taddr)")
                    let address = try await rpcbind.version3.getAddr(
                        RPCBindMapping(rProg: 100_000, rVers: 3, rNetid: "udp", rAddr: "", rOwner: ""))
                    #expect(UniversalAddress.port(of: address) == 111, "\(transport): \(address)")
                }
                let stats = try await rpcbind.version4.getStat()
                #expect(stats.count == 3)
            }
        }
    }
}
