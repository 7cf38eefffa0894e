import NIOCore
import ONCRPC
import ONCRPCInProcessTransport
import Testing
import XDR

// EchoRequest and PingProg come from ping.x, compiled by the build-tool plugin during the build.

struct PingService: PingProg.PingV1.ServiceProtocol {
    func echo(_ argument: EchoRequest, context: RPCServerContext) async throws -> Message {
        String(repeating: argument.text, count: Int(argument.times))
    }
}

@Suite("The swift-rpcgen build-tool plugin")
struct PluginTests {
    @Test func generatedTypesAreInternalAndWork() throws {
        let request = EchoRequest(text: "hi", times: 2)
        #expect(try request.xdrByteArray() == [0, 0, 0, 2, 0x68, 0x69, 0, 0, 0, 0, 0, 2])
        #expect(PingProg.program == 0x2000_0321)
    }

    @Test func generatedStubsTalk() async throws {
        let pair = InProcessTransport()
        let server = RPCServer(transports: [pair.server], services: [PingService()])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            try await withRPCClient(transport: pair.client) { rpc in
                let reply = try await PingProg.PingV1.Client(wrapping: rpc).echo(EchoRequest(text: "ab", times: 3))
                #expect(reply == "ababab")
            }
            server.beginGracefulShutdown()
            try await group.waitForAll()
        }
    }
}
