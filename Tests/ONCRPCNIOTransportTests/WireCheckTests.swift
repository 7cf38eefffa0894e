import Foundation
import NIOCore
import ONCRPC
import ONCRPCNIOTransport
import ONCRPCTestSupport
import Testing
import XDR

/// Captures real calls and replies on the loopback interface and has tshark's ONC RPC dissector
/// decode them: every frame must dissect as RPC, and none may be "Malformed".
@Suite("Wire check with tshark", .timeLimit(.minutes(1)))
struct WireCheckTests {
    static let tshark = ["/usr/bin/tshark", "/usr/sbin/tshark"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.tshark!)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = readToEnd(pipe.fileHandleForReading)
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func callsAndRepliesDissectCleanly() async throws {
        guard Self.tshark != nil else {
            Issue.record("tshark is not installed: run scripts/test (it installs tshark) or apt-get install tshark")
            return
        }
        let capture = FileManager.default.temporaryDirectory.appendingPathComponent(
            "oncrpc-\(UUID().uuidString).pcapng"
        ).path
        defer {
            if ProcessInfo.processInfo.environment["KEEP_CAPTURE"] == nil {
                try? FileManager.default.removeItem(atPath: capture)
            }
        }
        try await withLoopbackServer(tcp: TCPServerTransport.Configuration(maximumFragmentSize: 64)) { server in
            let filter = "tcp port \(server.tcpPort) or udp port \(server.udpPort)"
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.tshark!)
            process.arguments = ["-i", "lo", "-f", filter, "-w", capture, "-a", "duration:15", "-q"]
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            defer { if process.isRunning { process.interrupt() } }
            // Wait until tshark says it is capturing.
            var banner = Data()
            while !String(decoding: banner, as: UTF8.self).contains("Capturing on"),
                let chunk = readAvailable(errors.fileHandleForReading)
            {
                banner.append(chunk)
            }
            try await Task.sleep(for: .milliseconds(300))

            for transport: any RPCClientTransport in [
                TCPClientTransport(host: "127.0.0.1", port: server.tcpPort),
                UDPClientTransport(host: "127.0.0.1", port: server.udpPort),
            ] {
                try await withRPCClient(transport: transport) { client in
                    _ = try await client.call(
                        program: TestProgram.program, version: 1, procedure: 1,
                        arguments: String(repeating: "x", count: 150), resultType: String.self)
                    let credentials = RPCCallOptions(
                        credentials: .sys(AuthSysParameters(machineName: "wire", uid: 1, gid: 2, gids: [3])))
                    _ = try await client.call(
                        program: TestProgram.program, version: 1, procedure: 2,
                        arguments: TestProgram.Pair(a: 1, b: 2), resultType: Int32.self, options: credentials)
                    _ = await rpcError { try await client.ping(program: TestProgram.program, version: 9) }
                    _ = await rpcError { try await client.ping(program: 77, version: 1) }
                }
            }
            // tshark stops itself after 15 seconds, long enough for the calls on a loaded machine
            // (6 s once missed the UDP half); signals may be blocked in this process's threads,
            // and a child inherits that mask.
            let stopping = ContinuousClock.now
            while process.isRunning && ContinuousClock.now - stopping < .seconds(20) {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(!process.isRunning, "tshark did not stop")

            let preferences = [
                "-o", "rpc.dissect_unknown_programs:TRUE", "-o", "rpc.defragment_rpc_over_tcp:TRUE",
            ]
            let decoded = try run(
                preferences + [
                    "-r", capture, "-d", "tcp.port==\(server.tcpPort),rpc", "-d", "udp.port==\(server.udpPort),rpc",
                    "-Y", "rpc.msgtyp", "-T", "fields", "-e", "rpc.msgtyp", "-e", "rpc.xid", "-e", "_ws.malformed",
                ])
            #expect(decoded.status == 0, "tshark failed: \(decoded.output)")
            let lines = decoded.output.split(separator: "\n")
            // 4 calls and 4 replies on each transport.
            #expect(lines.count >= 16, "tshark saw \(lines.count) RPC messages:\n\(decoded.output)")
            #expect(!decoded.output.contains("Malformed"), "\(decoded.output)")
            let verbose = try run(
                preferences + [
                    "-r", capture, "-d", "tcp.port==\(server.tcpPort),rpc", "-d", "udp.port==\(server.udpPort),rpc",
                    "-V",
                ])
            #expect(!verbose.output.contains("Malformed"))
            #expect(verbose.output.contains("Program Version: 9"))
            #expect(verbose.output.contains("Machine Name: wire"))
            #expect(verbose.output.contains("Accept State: remote can't support version # (2)"))
            #expect(verbose.output.contains("Program Version (Maximum): 2"))
            #expect(verbose.output.contains("Accept State: remote hasn't exported program (1)"))
        }
    }
}
