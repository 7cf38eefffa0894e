import NIOCore
import NIOPosix
import ONCRPC
import ONCRPCNIOTransport
import ONCRPCTestSupport
import Synchronization
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

    @Test func aBurstOfPipelinedCallsNeverExceedsTheInFlightLimit() async throws {
        // Calls written back to back reach the server in few reads, each holding many records;
        // the ones beyond the limit wait until a handler finishes.
        let running = Mutex((now: 0, most: 0))
        let slow = RPCMethod(procedure: 1, name: "SLOW") { (value: UInt32, _) -> UInt32 in
            running.withLock {
                $0.now += 1
                $0.most = max($0.most, $0.now)
            }
            try await Task.sleep(for: .milliseconds(2))
            running.withLock { $0.now -= 1 }
            return value &* 3
        }
        let tcp = TCPServerTransport(configuration: .init(maximumCallsInFlightPerConnection: 3))
        let server = RPCServer(
            transports: [tcp], services: [RPCServiceDefinition(program: 0x2000_0155, version: 1, methods: [slow])])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            let address = try await tcp.listeningAddress()
            try await withRPCClient(transport: TCPClientTransport(server: .address(address))) { client in
                try await withThrowingTaskGroup(of: Void.self) { calls in
                    for value in UInt32(0)..<60 {
                        calls.addTask {
                            let tripled = try await client.call(
                                program: 0x2000_0155, version: 1, procedure: 1, arguments: value,
                                resultType: UInt32.self)
                            #expect(tripled == value * 3)
                        }
                    }
                    try await calls.waitForAll()
                }
            }
            server.beginGracefulShutdown()
            try await group.waitForAll()
        }
        let most = running.withLock { $0.most }
        #expect(most <= 3, "\(most) calls ran at once on one connection with a limit of 3")
        #expect(most >= 2, "the calls were not pipelined, so the limit was not exercised")
    }

    @Test func jobsQueuedFromManyThreadsAllRunOnTheLoopInTheirOrder() async throws {
        // Tasks started off the loop enqueue their first jobs from the cooperative pool's
        // threads; each then suspends and resumes repeatedly (jobs queued while a batch runs go
        // to the next batch). Every step must run on the loop, each task's steps in order.
        let executor = EventLoopTaskExecutor(eventLoop: MultiThreadedEventLoopGroup.singleton.next())
        final class StepLog: Sendable {
            let steps = Mutex<[Int: [Int]]>([:])
        }
        let log = StepLog()
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<64 {
                group.addTask(executorPreference: executor) {
                    for step in 0..<50 {
                        #expect(executor.eventLoop.inEventLoop, "task \(task) step \(step) off the loop")
                        log.steps.withLock { $0[task, default: []].append(step) }
                        await Task.yield()
                    }
                }
            }
        }
        let recorded = log.steps.withLock { $0 }
        #expect(recorded.count == 64)
        #expect(recorded.values.allSatisfy { $0 == Array(0..<50) })
    }
}
