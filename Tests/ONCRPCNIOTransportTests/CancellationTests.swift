import NIOCore
import NIOPosix
import ONCRPC
import ONCRPCNIOTransport
import RPCBind
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif
import XDR

/// A cancelled call ends at once with `CancellationError`: its xid leaves the table, a late
/// reply is dropped, UDP stops retransmitting it, and the connection carries the other calls.
@Suite("Cancelled calls", .timeLimit(.minutes(1)))
struct CancellationTests {
    static let program: UInt32 = 0x2000_0778

    enum Kind: CaseIterable, Sendable {
        case tcp, udp, tcpOnItsEventLoop
    }

    static func call(_ client: RPCClient, procedure: UInt32) async throws -> String {
        try await client.call(
            program: program, version: 1, procedure: procedure, arguments: XDRVoid(), resultType: String.self,
            options: RPCCallOptions(timeout: .seconds(40), retransmit: .fixed(.milliseconds(50))))
    }

    /// Runs `body` with a client of `server` over `kind`, on the transport's event loop when asked.
    static func withClient(
        _ kind: Kind, _ server: HostileServer,
        _ body: @escaping @Sendable (RPCClient, _ executor: (any TaskExecutor)?) async throws -> Void
    ) async throws {
        switch kind {
        case .tcp:
            try await withRPCClient(transport: TCPClientTransport(host: "127.0.0.1", port: server.tcpPort)) {
                try await body($0, nil)
            }
        case .udp:
            try await withRPCClient(transport: UDPClientTransport(host: "127.0.0.1", port: server.udpPort)) {
                try await body($0, nil)
            }
        case .tcpOnItsEventLoop:
            // Calls made on the transport's event loop take the path without a promise.
            let transport = TCPClientTransport(host: "127.0.0.1", port: server.tcpPort)
            try await withRPCClient(transport: transport) { try await body($0, transport.taskExecutor) }
        }
    }

    /// The script: procedure 1 is never answered, procedure 2 is answered after 1.5 s (long
    /// enough that a cancellation 50 ms after the call cannot meet its reply even on a loaded
    /// machine, where both could reach the event loop in one tick), any
    /// other at once. It counts the datagrams and records of procedure 1 it has seen.
    /// With a `gate`, procedure 2 is answered when the gate opens instead, and counted in
    /// `heldCalls`.
    final class Script: Sendable {
        let silentCalls = Atomic<Int>(0)
        let heldCalls = Atomic<Int>(0)
        let gate: ReplyGate?

        init(gate: ReplyGate? = nil) {
            self.gate = gate
        }

        func answer(_ index: Int, _ xid: UInt32, _ procedure: UInt32) -> HostileAnswer {
            switch procedure {
            case 1:
                silentCalls.add(1, ordering: .relaxed)
                return .silence
            case 2:
                if let gate {
                    heldCalls.add(1, ordering: .relaxed)
                    return .recordWhenOpen(gate, HostileServer.stringReply(xid: xid, "late"))
                }
                return .recordAfter(.milliseconds(1500), HostileServer.stringReply(xid: xid, "late"))
            default:
                return .record(HostileServer.stringReply(xid: xid, "prompt"))
            }
        }
    }

    func expectCancelled(_ task: Task<String, any Error>) async {
        do {
            let result = try await task.value
            Issue.record("a cancelled call returned \(result)")
        } catch is CancellationError {
        } catch {
            Issue.record("a cancelled call failed with \(error), not CancellationError")
        }
    }

    @Test(arguments: Kind.allCases) func aCancelledCallEndsAtOnceAndTheConnectionGoesOn(_ kind: Kind) async throws {
        let script = Script()
        try await withHostileServer(calls: procedureScript(script)) { server in
            try await Self.withClient(kind, server) { client, executor in
                // A call the server never answers, with another in flight beside it.
                let silent = Task(executorPreference: executor) { try await Self.call(client, procedure: 1) }
                let late = Task(executorPreference: executor) { try await Self.call(client, procedure: 2) }
                while script.silentCalls.load(ordering: .relaxed) == 0 {
                    try await Task.sleep(for: .milliseconds(5))
                }
                silent.cancel()
                await expectCancelled(silent)
                // The other call gets its own reply, and the connection takes new calls.
                let lateResult = try await late.value
                #expect(lateResult == "late")
                let prompt = try await Task(executorPreference: executor) {
                    try await Self.call(client, procedure: 3)
                }.value
                #expect(prompt == "prompt")
                if kind == .udp {
                    // No retransmission after the cancellation (one every 50 ms before it).
                    let seen = script.silentCalls.load(ordering: .relaxed)
                    try await Task.sleep(for: .milliseconds(300))
                    #expect(script.silentCalls.load(ordering: .relaxed) == seen)
                }
            }
        }
    }

    @Test(arguments: Kind.allCases) func aLateReplyToACancelledCallIsDropped(_ kind: Kind) async throws {
        // The server holds the reply until the call has been cancelled and has ended: no
        // guess at a delay, which a loaded machine (the tests run in parallel on two cores)
        // can overrun, letting the reply come before the test gets to cancel.
        let gate = ReplyGate()
        let script = Script(gate: gate)
        try await withHostileServer(calls: procedureScript(script)) { server in
            try await Self.withClient(kind, server) { client, executor in
                let late = Task(executorPreference: executor) { try await Self.call(client, procedure: 2) }
                while script.heldCalls.load(ordering: .relaxed) == 0 {
                    try await Task.sleep(for: .milliseconds(5))
                }
                late.cancel()
                await expectCancelled(late)
                // Its reply now comes, to an xid no longer in flight; the next call gets its own.
                gate.open()
                try await Task.sleep(for: .milliseconds(100))
                let prompt = try await Task(executorPreference: executor) {
                    try await Self.call(client, procedure: 3)
                }.value
                #expect(prompt == "prompt")
            }
        }
    }

    @Test(arguments: Kind.allCases) func aCallMadeInACancelledTaskFailsWithoutBeingSent(_ kind: Kind) async throws {
        let script = Script()
        try await withHostileServer(calls: procedureScript(script)) { server in
            try await Self.withClient(kind, server) { client, executor in
                // The connection exists first (cancellation is checked for the call, not the connect).
                _ = try await Self.call(client, procedure: 3)
                let task = Task(executorPreference: executor) {
                    withUnsafeCurrentTask { $0?.cancel() }
                    return try await Self.call(client, procedure: 1)
                }
                await expectCancelled(task)
                try await Task.sleep(for: .milliseconds(100))
                #expect(script.silentCalls.load(ordering: .relaxed) == 0)
            }
        }
    }

    @Test func cancellingTheBodyOfWithRPCClientEndsItsCalls() async throws {
        let script = Script()
        try await withHostileServer(calls: procedureScript(script)) { server in
            let scope = Task {
                try await withRPCClient(transport: TCPClientTransport(host: "127.0.0.1", port: server.tcpPort)) {
                    client in
                    try await Self.call(client, procedure: 1)
                }
            }
            while script.silentCalls.load(ordering: .relaxed) == 0 {
                try await Task.sleep(for: .milliseconds(5))
            }
            scope.cancel()
            await expectCancelled(scope)
        }
    }

    /// A call whose connection is still being looked up (an rpcbind that never answers) or
    /// made (a listener whose queue is full, so the handshake hangs), and a call waiting for
    /// that connection: cancelled, each ends at once; the other one goes on waiting.
    @Test func cancellingALookUpAConnectAndAWaitEndsEachAtOnce() async throws {
        try await withHostileServer({ _, _ in .silence }) { rpcbind in
            let transport = TCPClientTransport(
                server: .rpcbind(host: "127.0.0.1", program: Self.program, version: 1, over: .tcp, rpcbindPort: rpcbind.tcpPort))
            try await withRPCClient(transport: transport) { client in
                let connecting = Task { try await Self.call(client, procedure: 3) }
                try await Task.sleep(for: .milliseconds(100))
                let waiting = Task { try await Self.call(client, procedure: 3) }
                try await Task.sleep(for: .milliseconds(100))
                waiting.cancel()
                await expectCancelled(waiting)
                connecting.cancel()
                await expectCancelled(connecting)
            }
        }
        // A listener that never accepts, its queue filled: a further connect hangs in the
        // handshake (Linux drops the SYN) until the 10 s connect timeout.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(bound == 0)
        #expect(listen(listener, 0) == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        let port = Int(UInt16(bigEndian: address.sin_port))
        var fillers: [any Channel] = []
        for _ in 0..<3 {
            // Fill the accept queue; once it is full a connect times out, after half a second.
            let filler = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.milliseconds(500))
                .connect(host: "127.0.0.1", port: port)
            if let channel = try? await filler.get() { fillers.append(channel) }
        }
        #expect(fillers.count < 3, "the listener's queue never filled")
        try await withRPCClient(transport: TCPClientTransport(host: "127.0.0.1", port: port)) { client in
            let connecting = Task { try await Self.call(client, procedure: 3) }
            try await Task.sleep(for: .milliseconds(300))
            connecting.cancel()
            await expectCancelled(connecting)
        }
        for channel in fillers {
            try? await channel.close()
        }
    }

    /// The hostile server's script, answering by the procedure number of each call.
    func procedureScript(_ script: Script) -> HostileServer.CallScript {
        { index, call in
            let xid = call.getInteger(at: call.readerIndex, as: UInt32.self)!
            let procedure = call.getInteger(at: call.readerIndex + 20, as: UInt32.self) ?? 0
            return script.answer(index, xid, procedure)
        }
    }
}
