import Logging
import NIOCore
import ONCRPC
import ONCRPCInProcessTransport
import ONCRPCTestSupport
import ServiceLifecycle
import Testing
import XDR

/// An RPCServer run by a swift-service-lifecycle ServiceGroup: the group's graceful shutdown
/// answers the call in flight, then stops the server.
@Suite("RPCServer as a Service", .timeLimit(.minutes(1)))
struct ServiceLifecycleTests {
    @Test func aServiceGroupShutsTheServerDownGracefully() async throws {
        let counters = TestProgram.Counters()
        let pair = InProcessTransport()
        let server = RPCServer(transports: [pair.server], services: [TestProgram.version1(counters: counters)])
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let group = ServiceGroup(services: [server], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await withRPCClient(transport: pair.client) { client in
                var writer = XDRWriter()
                writer.writeUInt32(300)
                let arguments = writer.buffer
                let sleeping = Task {
                    try await client.call(
                        program: TestProgram.program, version: 1, procedure: 5, options: nil,
                        encodeArguments: { $0.buffer.writeImmutableBuffer(arguments) },
                        decodeResult: { _ in () })
                }
                while counters.count(.sleep) == 0 {
                    try await Task.sleep(for: .milliseconds(5))
                }
                await group.triggerGracefulShutdown()
                // The call in flight is answered before the server stops.
                try await sleeping.value
            }
            // The group's run returns once the server has stopped.
            try await tasks.waitForAll()
        }
        #expect(counters.cancelledSleeps == 0)
    }
}
