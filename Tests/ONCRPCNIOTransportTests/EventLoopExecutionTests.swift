import NIOCore
import ONCRPC
import ONCRPCNIOTransport
import ONCRPCTestSupport
import Testing
import XDR

private let program = TestProgram.program

@Suite("Calls and handlers on the event loop", .timeLimit(.minutes(1)))
struct EventLoopExecutionTests {
    @Test(arguments: Wire.allCases)
    func callsPreferringTheTransportsExecutorRunOnItsEventLoop(_ wire: Wire) async throws {
        try await withLoopbackServer { server in
            let tcp = TCPClientTransport(server: .host(server.host, port: server.tcpPort))
            let udp = UDPClientTransport(server: .host(server.host, port: server.udpPort))
            let (transport, executor): (any RPCClientTransport, EventLoopTaskExecutor) =
                wire == .tcp ? (tcp, tcp.taskExecutor) : (udp, udp.taskExecutor)
            try await withTaskExecutorPreference(executor) {
                try await withRPCClient(transport: transport) { client in
                    for index in 0..<200 {
                        let sum = try await client.call(
                            program: program, version: 1, procedure: 2,
                            arguments: TestProgram.Pair(a: Int32(index), b: 1), resultType: Int32.self)
                        #expect(sum == Int32(index) + 1)
                        #expect(executor.eventLoop.inEventLoop, "call \(index) resumed off the event loop")
                    }
                }
            }
            #expect(server.counters.count(.add) == 200)
        }
    }

    @Test func oneCallInFlightPerConnectionStillServesPipelinedCalls() async throws {
        // Reading pauses while the one call runs and resumes when it is answered.
        let limited = TCPServerTransport.Configuration(maximumCallsInFlightPerConnection: 1)
        try await withLoopbackServer(tcp: limited) { server in
            try await withRPCClient(transport: transport(.tcp, server)) { client in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<100 {
                        group.addTask {
                            if index % 10 == 0 {
                                _ = try await client.call(
                                    program: program, version: 1, procedure: 5, arguments: UInt32(5),
                                    resultType: XDRVoid.self)
                            }
                            let sum = try await client.call(
                                program: program, version: 1, procedure: 2,
                                arguments: TestProgram.Pair(a: Int32(index), b: 7), resultType: Int32.self)
                            #expect(sum == Int32(index) + 7)
                        }
                    }
                    try await group.waitForAll()
                }
            }
            #expect(server.counters.count(.add) == 100)
        }
    }
}
