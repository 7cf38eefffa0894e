import Foundation
import NIOCore
import ONCRPC
import ONCRPCNIOTransport
import ONCRPCTestSupport
import RPCBind
import Testing

/// The package's root directory.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

struct ToolFailed: Error, CustomStringConvertible {
    var description: String
}

/// Builds the C peers (Interop/interop/build.sh) into a fresh directory and returns it.
func buildCPeers() async throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("interop-\(UUID().uuidString)").path
    let (status, output) = try await runTool("/bin/bash", [packageRoot + "/Interop/interop/build.sh", directory])
    guard status == 0 else {
        throw ToolFailed(
            description: "Interop/interop/build.sh failed (it needs rpcgen, libtirpc-dev and cc, which scripts/test "
                + "installs):\n\(output)")
    }
    return directory
}

/// The matrix: the Swift client against the rpcgen + libtirpc server, and the rpcgen + libtirpc
/// client against the Swift server, over TCP and UDP, each finding the other through the
/// system rpcbind. Serialized: both servers register the same program.
@Suite("Interop with rpcgen + libtirpc through the system rpcbind", .serialized)
struct InteropMatrixTests {
    @Test("Swift client -> C server, TCP and UDP")
    func swiftClientAgainstTheCServer() async throws {
        let peers = try await buildCPeers()
        defer { try? FileManager.default.removeItem(atPath: peers) }
        let server = try await BackgroundProcess(peers + "/interop-server", ["300"], readyText: "ready")
        var stopped = false
        defer { if !stopped { kill(server.pid, SIGKILL) } }

        let rows = try await portmapRows(program: Interop.program)
        #expect(Set(rows.map(\.proto)) == ["tcp", "udp"], "the C server's registration: \(rows)")

        for proto in [RPCTransportKind.tcp, .udp] {
            let transport: any RPCClientTransport =
                switch proto {
                case .tcp:
                    // 64 KiB fragments: the 1 MiB and 3 MiB calls go out as many fragments.
                    TCPClientTransport(
                        server: .rpcbind(host: "127.0.0.1", program: Interop.program, version: 1, over: .tcp),
                        configuration: .init(maximumFragmentSize: 64 << 10))
                default:
                    UDPClientTransport(
                        server: .rpcbind(host: "127.0.0.1", program: Interop.program, version: 1, over: .udp))
                }
            let outcome = try await withRPCClient(transport: transport) { rpc in
                var checks = InteropChecks(rpc: rpc)
                await checks.run(large: proto == .tcp)
                return checks
            }
            #expect(outcome.failures == [], "over \(proto)")
            #expect(outcome.passed.count == (proto == .tcp ? 84 : 81), "over \(proto): \(outcome.passed.count) checks passed")
        }

        let output = await server.stop()
        stopped = true
        #expect(output.contains("stopped"), "the C server did not stop cleanly: \(output)")
        let gone = try await eventually { try await portmapRows(program: Interop.program).isEmpty }
        #expect(gone, "the C server did not unregister")
    }

    @Test("C client -> Swift server, TCP and UDP; rpcinfo -p, -t and -u see the Swift server")
    func cClientAgainstTheSwiftServer() async throws {
        let peers = try await buildCPeers()
        defer { try? FileManager.default.removeItem(atPath: peers) }
        // 256 KiB fragments: the large replies go out as several fragments.
        let tcp = TCPServerTransport(configuration: .init(host: "127.0.0.1", maximumFragmentSize: 256 << 10))
        let udp = UDPServerTransport(host: "127.0.0.1")
        let server = RPCServer(transports: [tcp, udp], services: [InteropService()], registration: .rpcbind)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            defer { server.beginGracefulShutdown() }
            let tcpPort = try await tcp.listeningAddress().port
            let udpPort = try await udp.listeningAddress().port

            // C rpcinfo -p lists the program, version, both protocols and the right ports.
            let listed = try await eventually { try await portmapRows(program: Interop.program).count == 2 }
            #expect(listed)
            let rows = try await portmapRows(program: Interop.program)
            #expect(rows.contains { $0.version == 1 && $0.proto == "tcp" && $0.port == tcpPort }, "\(rows)")
            #expect(rows.contains { $0.version == 1 && $0.proto == "udp" && $0.port == udpPort }, "\(rows)")

            // C rpcinfo -t and -u ping it through rpcbind.
            for flag in ["-t", "-u"] {
                let (status, output) = try await runTool(rpcinfo, [flag, "127.0.0.1", "\(Interop.program)", "1"])
                #expect(status == 0, "rpcinfo \(flag): \(output)")
                #expect(output.contains("program \(Interop.program) version 1 ready and waiting"), "\(output)")
            }

            // The rpcgen client runs every check over TCP (with 1 MiB and 3 MiB records) and UDP.
            for (netid, extra) in [("tcp", ["--large"]), ("udp", [])] {
                let (status, output) = try await runTool(peers + "/interop-client", ["127.0.0.1", netid] + extra)
                let failed = output.split(separator: "\n").filter { $0.hasPrefix("FAIL") }
                #expect(status == 0 && failed.isEmpty, "interop-client over \(netid):\n\(failed.joined(separator: "\n"))\n\(output.suffix(300))")
                #expect(output.contains(", 0 failures"), "interop-client over \(netid): \(output.suffix(300))")
                let count = output.split(separator: "\n").filter { $0.hasPrefix("ok ") }.count
                #expect(count == (netid == "tcp" ? 81 : 77), "interop-client over \(netid): \(count) checks passed")
            }

            server.beginGracefulShutdown()
            try await group.waitForAll()
        }
        let gone = try await eventually { try await portmapRows(program: Interop.program).isEmpty }
        #expect(gone, "the Swift server did not unregister")
    }
}
