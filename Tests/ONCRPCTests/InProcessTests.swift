import Logging
import NIOCore
import ONCRPC
import ONCRPCInProcessTransport
import ONCRPCTestSupport
import Testing
import XDR

/// Runs a server with the test program on an in-process transport and hands `body` a client.
func withInProcessServer(
    counters: TestProgram.Counters = TestProgram.Counters(),
    _ body: (RPCClient) async throws -> Void
) async throws {
    let pair = InProcessTransport()
    let server = RPCServer(
        transports: [pair.server], services: [TestProgram.version1(counters: counters), TestProgram.version2()])
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await server.serve() }
        defer { server.beginGracefulShutdown() }
        try await withRPCClient(transport: pair.client) { client in
            try await body(client)
        }
    }
}

@Suite("Client and server over the in-process transport")
struct InProcessTests {
    let program = TestProgram.program

    @Test func successfulCalls() async throws {
        try await withInProcessServer { client in
            let echoed = try await client.call(
                program: program, version: 1, procedure: 1, arguments: "hello", resultType: String.self)
            #expect(echoed == "hello")
            let sum = try await client.call(
                program: program, version: 1, procedure: 2, arguments: TestProgram.Pair(a: 40, b: 2),
                resultType: Int32.self)
            #expect(sum == 42)
            let upper = try await client.call(
                program: program, version: 2, procedure: 1, arguments: "v2", resultType: String.self)
            #expect(upper == "V2")
            try await client.ping(program: program, version: 1)
            try await client.ping(program: program, version: 2)
        }
    }

    @Test func descriptorCalls() async throws {
        let add = RPCProcedureDescriptor<TestProgram.Pair, Int32>(
            program: program, version: 1, procedure: 2, name: "ADD")
        try await withInProcessServer { client in
            let sum = try await client.call(add, TestProgram.Pair(a: -5, b: 3))
            #expect(sum == -2)
        }
    }

    @Test func everyReplyStatusIsTheRightError() async throws {
        try await withInProcessServer { client in
            let unknownProgram = await rpcError { try await client.ping(program: 99, version: 1) }
            #expect(unknownProgram?.code == .programUnavailable)
            let unknownVersion = await rpcError { try await client.ping(program: program, version: 7) }
            #expect(unknownVersion?.code == .programMismatch)
            #expect(unknownVersion?.code.supportedVersions == RPCVersionRange(low: 1, high: 2))
            let unknownProcedure = await rpcError {
                _ = try await client.call(
                    program: program, version: 2, procedure: 2, arguments: XDRVoid(), resultType: XDRVoid.self)
            }
            #expect(unknownProcedure?.code == .procedureUnavailable)
            let garbage = await rpcError {
                _ = try await client.call(
                    program: program, version: 1, procedure: 2, arguments: Int32(1), resultType: Int32.self)
            }
            #expect(garbage?.code == .garbageArguments)
            let failure = await rpcError {
                _ = try await client.call(
                    program: program, version: 1, procedure: 3, arguments: XDRVoid(), resultType: XDRVoid.self)
            }
            #expect(failure?.code == .systemError)
            let denied = await rpcError {
                _ = try await client.call(
                    program: program, version: 1, procedure: 4, arguments: XDRVoid(), resultType: XDRVoid.self)
            }
            #expect(denied?.code == .authError)
            #expect(denied?.code.authStatus == .tooWeak)
            let badCredential = await rpcError {
                let options = RPCCallOptions(
                    credentials: .opaque(credentials: RPCOpaqueAuth(flavor: .dh), verifier: .none))
                try await client.ping(program: program, version: 1, options: options)
            }
            #expect(badCredential?.code.authStatus == .badCredential)
            // The server still serves after every error.
            let stillServing = try await client.call(
                program: program, version: 1, procedure: 1, arguments: "ok", resultType: String.self)
            #expect(stillServing == "ok")
        }
    }

    @Test func authSysCredentialsReachTheHandler() async throws {
        try await withInProcessServer { client in
            let parameters = AuthSysParameters(stamp: 1, machineName: "tester", uid: 1000, gid: 50, gids: [7, 8])
            let identity = try await client.call(
                program: program, version: 1, procedure: 7, arguments: XDRVoid(), resultType: String.self,
                options: RPCCallOptions(credentials: .sys(parameters)))
            #expect(identity == "tester:1000:50:7,8")
            let anonymous = try await client.call(
                program: program, version: 1, procedure: 7, arguments: XDRVoid(), resultType: String.self)
            #expect(anonymous == "nobody")
        }
    }

    @Test func thousandConcurrentCalls() async throws {
        try await withInProcessServer { client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<1000 {
                    group.addTask {
                        let sum = try await client.call(
                            program: program, version: 1, procedure: 2,
                            arguments: TestProgram.Pair(a: Int32(index), b: 1), resultType: Int32.self)
                        #expect(sum == Int32(index) + 1)
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    @Test func timeoutsFire() async throws {
        try await withInProcessServer { client in
            let error = await rpcError {
                _ = try await client.call(
                    program: program, version: 1, procedure: 5, arguments: UInt32(600), resultType: XDRVoid.self,
                    options: RPCCallOptions(timeout: .milliseconds(100)))
            }
            #expect(error?.code == .timedOut)
        }
    }
}
