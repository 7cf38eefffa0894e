import BenchShared
import Foundation
import Logging
import NIOCore
import NIOPosix
import ONCRPC
import ONCRPCNIOTransport
import Synchronization

// oncrpc-soak: a bounded load test with injected faults. It starts a server process (itself,
// `oncrpc-soak serve`), then runs CLIENTS concurrent clients (three quarters over TCP, the rest
// over UDP through a relay that drops some replies), each with a few calls in flight, until
// CALLS echo calls of random payloads (up to 256 KiB over TCP, 32 KiB over UDP) are done. Faults:
// TCP connections dropped under their calls, UDP replies dropped, and raw connections that send
// half a record or garbage and vanish. Every call must get exactly its own payload back or a
// clear error caused by an injected fault; the server's resident memory is sampled throughout.
//
//   oncrpc-soak run [--calls N] [--clients N] [--seed N]
//   oncrpc-soak serve

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("oncrpc-soak: \(message)\n".utf8))
    exit(1)
}

/// Reads what is available on `descriptor`, retrying reads a signal interrupted (Foundation's
/// `FileHandle` reads stop the process on `EINTR`); `nil` at the end of the file or on an error.
func readAvailable(_ descriptor: Int32) -> String? {
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count > 0 { return String(decoding: chunk[..<count], as: UTF8.self) }
        if count < 0, errno == EINTR { continue }
        return nil
    }
}

// MARK: - Server

func serve() async throws {
    // Warnings and errors only: the faults are expected, the report is the client's.
    var logger = Logger(label: "oncrpc.soak.server")
    logger.logLevel = .warning
    let tcp = TCPServerTransport(configuration: .init(), logger: logger)
    let udp = UDPServerTransport(configuration: .init(), logger: logger)
    let server = RPCServer(transports: [tcp, udp], services: [BenchService()], logger: logger)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await server.serve() }
        let tcpPort = try await tcp.listeningAddress().port ?? 0
        let udpPort = try await udp.listeningAddress().port ?? 0
        print("tcp=\(tcpPort) udp=\(udpPort)")
        fflush(nil)
        // Ends when the parent closes our standard input.
        while readAvailable(STDIN_FILENO) != nil {}
        server.beginGracefulShutdown()
        try await group.waitForAll()
    }
}

// MARK: - Accounting

/// What the run saw, shared by every client.
final class Tally: Sendable {
    struct Counts {
        var issued = 0
        var succeeded = 0
        var mismatched = 0
        var bytes = 0
        var errors: [String: Int] = [:]
        var droppedConnections = 0
        var callsCaughtInDrops = 0
        var hostileConnections = 0
    }

    let counts = Mutex(Counts())
    let total: Int

    init(total: Int) { self.total = total }

    /// The next call number, or nil when all have been issued.
    func next() -> Int? {
        counts.withLock { counts in
            guard counts.issued < total else { return nil }
            defer { counts.issued += 1 }
            return counts.issued
        }
    }
}

/// A small deterministic generator (SplitMix64), so a run can be repeated with its seed.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A payload for call `number`: a log-uniform size up to `limit`, random bytes from `pool`,
/// the call number in its first 8 bytes (when it has room) so a misrouted reply shows.
func payload(number: Int, limit: Int, pool: ByteBuffer, random: inout SplitMix) -> ByteBuffer {
    let bits = Int.random(in: 0...(limit.trailingZeroBitCount), using: &random)
    let size = Int.random(in: 0...(1 << bits), using: &random) % (limit + 1)
    let offset = Int.random(in: 0...(pool.readableBytes - size), using: &random)
    var buffer = ByteBuffer()
    buffer.reserveCapacity(size)
    buffer.writeImmutableBuffer(pool.getSlice(at: offset, length: size)!)
    if size >= 8 { buffer.setInteger(UInt64(number), at: 0) }
    return buffer
}

// MARK: - Faults

/// The UDP clients talk to this relay, which forwards calls to the server and replies back,
/// dropping one reply in `dropOneIn` (the client retransmits; the server's duplicate-request
/// cache answers).
final class LossyUDPRelay: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    let server: SocketAddress
    let dropOneIn: UInt64
    let routes = Mutex<(clients: [UInt32: SocketAddress], random: SplitMix, dropped: Int)>(([:], SplitMix(state: 7), 0))

    init(server: SocketAddress, dropOneIn: UInt64) {
        self.server = server
        self.dropOneIn = dropOneIn
    }

    var dropped: Int { routes.withLock { $0.dropped } }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard let xid = envelope.data.getInteger(at: envelope.data.readerIndex, as: UInt32.self) else { return }
        if envelope.remoteAddress == server {
            let client = routes.withLock { routes -> SocketAddress? in
                if routes.random.next() % dropOneIn == 0 {
                    routes.dropped += 1
                    return nil
                }
                return routes.clients.removeValue(forKey: xid)
            }
            if let client {
                context.writeAndFlush(
                    wrapOutboundOut(AddressedEnvelope(remoteAddress: client, data: envelope.data)), promise: nil)
            }
        } else {
            routes.withLock { routes in
                if routes.clients.count > 100_000 { routes.clients.removeAll() }  // bounded
                routes.clients[xid] = envelope.remoteAddress
            }
            context.writeAndFlush(
                wrapOutboundOut(AddressedEnvelope(remoteAddress: server, data: envelope.data)), promise: nil)
        }
    }
}

/// Opens a raw connection that sends half a record (or garbage) and leaves.
func hostileConnection(port: Int, kind: Int) async throws {
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .connect(host: "127.0.0.1", port: port).get()
    var bytes = ByteBuffer()
    switch kind % 3 {
    case 0:  // a record announcing 1,000 bytes, of which 10 come
        bytes.writeInteger(UInt32(0x8000_0000 | 1000))
        bytes.writeRepeatingByte(0x55, count: 10)
    case 1:  // a record of garbage, then a disconnect
        bytes.writeInteger(UInt32(0x8000_0000 | 16))
        bytes.writeRepeatingByte(0xEE, count: 16)
    default:  // a fragment header claiming 2 GiB
        bytes.writeInteger(UInt32(0xFFFF_FFFF))
    }
    try await channel.writeAndFlush(bytes)
    try await channel.close()
}

// MARK: - Clients

/// A TCP client slot: the transport now in use, which the fault task may drop.
final class TCPSlot: Sendable {
    let current = Mutex<(transport: TCPClientTransport?, inFlight: Int, dropped: Bool)>((nil, 0, false))
}

func runTCPClient(
    slot: TCPSlot, port: Int, inFlight: Int, tally: Tally, pool: ByteBuffer, seed: UInt64
) async {
    var generation: UInt64 = 0
    while true {
        let transport = TCPClientTransport(server: .host("127.0.0.1", port: port))
        slot.current.withLock { $0 = (transport, 0, false) }
        let round = generation
        let finished = await withTaskGroup(of: Bool.self) { group in
            for lane in 0..<inFlight {
                group.addTask {
                    var random = SplitMix(state: seed &+ round &* 7919 &+ UInt64(lane))
                    let client = RPCClient(transport: transport)
                    let bench = Bench.Version1.Client(wrapping: client)
                    while !slot.current.withLock({ $0.dropped }) {
                        guard let number = tally.next() else { return true }
                        let sent = payload(number: number, limit: 256 << 10, pool: pool, random: &random)
                        slot.current.withLock { $0.inFlight += 1 }
                        let outcome: Result<ByteBuffer, RPCError>
                        do {
                            outcome = .success(
                                try await bench.echo(sent, options: RPCCallOptions(timeout: .seconds(60))))
                        } catch let error as RPCError {
                            outcome = .failure(error)
                        } catch {
                            outcome = .failure(RPCError(code: .invalidReply, message: "\(error)"))
                        }
                        let wasDropped = slot.current.withLock { slot -> Bool in
                            slot.inFlight -= 1
                            return slot.dropped
                        }
                        record(outcome, sent: sent, injected: wasDropped, tally: tally)
                    }
                    return false
                }
            }
            var done = false
            for await laneDone in group { done = done || laneDone }
            return done
        }
        transport.beginGracefulShutdown()
        if finished, tally.counts.withLock({ $0.issued >= tally.total }) { return }
        generation += 1
    }
}

func runUDPClient(port: Int, inFlight: Int, tally: Tally, pool: ByteBuffer, seed: UInt64) async {
    let transport = UDPClientTransport(server: .host("127.0.0.1", port: port))
    await withTaskGroup(of: Void.self) { group in
        for lane in 0..<inFlight {
            group.addTask {
                var random = SplitMix(state: seed &+ UInt64(lane) &* 104_729)
                let bench = Bench.Version1.Client(wrapping: RPCClient(transport: transport))
                let options = RPCCallOptions(
                    timeout: .seconds(60), retransmit: .exponential(initial: .milliseconds(200), maximum: .seconds(2)))
                while let number = tally.next() {
                    let sent = payload(number: number, limit: 32 << 10, pool: pool, random: &random)
                    let outcome: Result<ByteBuffer, RPCError>
                    do {
                        outcome = .success(try await bench.echo(sent, options: options))
                    } catch let error as RPCError {
                        outcome = .failure(error)
                    } catch {
                        outcome = .failure(RPCError(code: .invalidReply, message: "\(error)"))
                    }
                    record(outcome, sent: sent, injected: false, tally: tally)
                }
            }
        }
    }
    transport.beginGracefulShutdown()
}

/// Counts one call's outcome.
func record(_ outcome: Result<ByteBuffer, RPCError>, sent: ByteBuffer, injected: Bool, tally: Tally) {
    tally.counts.withLock { counts in
        switch outcome {
        case .success(let received):
            if received == sent {
                counts.succeeded += 1
                counts.bytes += sent.readableBytes
            } else {
                counts.mismatched += 1
            }
        case .failure(let error):
            let kind = injected ? "\(error.code) (connection dropped on purpose)" : "\(error.code)"
            counts.errors[kind, default: 0] += 1
        }
    }
}

// MARK: - Memory

/// A field of /proc/PID/status in KiB (VmRSS, VmHWM).
func memoryKiB(pid: Int32, field: String) -> Int? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    }
    return nil
}

/// The server's resident memory as sampled during the run, in KiB.
final class MemorySamples: Sendable {
    let state = Mutex<(warm: Int?, peakAfterWarm: Int, series: [Int])>((nil, 0, []))
}

// MARK: - Run

func run(calls: Int, clients: Int, seed: UInt64) async throws {
    // The server, in a process of its own so its memory can be watched.
    let server = Process()
    server.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    server.arguments = ["serve"]
    let input = Pipe()
    let output = Pipe()
    server.standardInput = input
    server.standardOutput = output
    try server.run()
    let pid = server.processIdentifier
    defer {
        try? input.fileHandleForWriting.close()  // the server shuts down gracefully
        server.waitUntilExit()
    }
    let line = readAvailable(output.fileHandleForReading.fileDescriptor) ?? ""
    let ports = Dictionary(
        uniqueKeysWithValues: line.split(whereSeparator: \.isWhitespace).compactMap { field -> (String, Int)? in
            let pair = field.split(separator: "=")
            guard pair.count == 2, let port = Int(pair[1]) else { return nil }
            return (String(pair[0]), port)
        })
    guard let tcpPort = ports["tcp"], let udpPort = ports["udp"] else { fail("the server printed '\(line)'") }

    let relay = LossyUDPRelay(server: try SocketAddress(ipAddress: "127.0.0.1", port: udpPort), dropOneIn: 100)
    let relayChannel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65536))
        .channelInitializer { $0.pipeline.addHandler(relay) }
        .bind(host: "127.0.0.1", port: 0).get()
    let relayPort = relayChannel.localAddress!.port!

    var random = SplitMix(state: seed)
    var bytes = [UInt8](repeating: 0, count: 1 << 20)
    for index in bytes.indices { bytes[index] = UInt8(truncatingIfNeeded: random.next()) }
    let pool = ByteBuffer(bytes: bytes)
    let tally = Tally(total: calls)
    let tcpClients = max(1, clients * 3 / 4)
    let udpClients = max(1, clients - tcpClients)
    let slots = (0..<tcpClients).map { _ in TCPSlot() }
    let warmUp = calls / 10
    let samples = MemorySamples()
    let start = ContinuousClock.now
    print("soak: \(calls) calls, \(tcpClients) TCP and \(udpClients) UDP clients, 4 calls in flight each, seed \(seed)")

    await withTaskGroup(of: Void.self) { group in
        for (index, slot) in slots.enumerated() {
            group.addTask {
                await runTCPClient(
                    slot: slot, port: tcpPort, inFlight: 4, tally: tally, pool: pool, seed: seed &+ UInt64(index) << 20)
            }
        }
        for index in 0..<udpClients {
            group.addTask {
                await runUDPClient(
                    port: relayPort, inFlight: 4, tally: tally, pool: pool, seed: seed &+ UInt64(index) << 40)
            }
        }
        // Faults and memory samples until the calls are done.
        group.addTask {
            var random = SplitMix(state: seed ^ 0xFA17)
            var tick = 0
            while tally.counts.withLock({ $0.succeeded + $0.mismatched + $0.errors.values.reduce(0, +) }) < calls {
                try? await Task.sleep(for: .milliseconds(50))
                tick += 1
                if tick % 4 == 0, let rss = memoryKiB(pid: pid, field: "VmRSS") {
                    let done = tally.counts.withLock { $0.issued }
                    samples.state.withLock { samples in
                        samples.series.append(rss)
                        if done >= warmUp {
                            if samples.warm == nil { samples.warm = rss }
                            samples.peakAfterWarm = max(samples.peakAfterWarm, rss)
                        }
                    }
                }
                if tick % 2 == 0 {  // every 100 ms: drop one TCP connection under its calls
                    let slot = slots[Int(random.next() % UInt64(slots.count))]
                    let (transport, caught) = slot.current.withLock { current -> (TCPClientTransport?, Int) in
                        guard !current.dropped, let transport = current.transport else { return (nil, 0) }
                        current.dropped = true
                        return (transport, current.inFlight)
                    }
                    if let transport {
                        transport.beginGracefulShutdown()
                        tally.counts.withLock {
                            $0.droppedConnections += 1
                            $0.callsCaughtInDrops += caught
                        }
                    }
                }
                do {  // every 50 ms: a hostile connection
                    try? await hostileConnection(port: tcpPort, kind: tick)
                    tally.counts.withLock { $0.hostileConnections += 1 }
                }
            }
        }
    }
    let elapsed = ContinuousClock.now - start
    try await relayChannel.close()
    // The server must still answer after all that.
    try await withRPCClient(transport: TCPClientTransport(host: "127.0.0.1", port: tcpPort)) { client in
        try await Bench.Version1.Client(wrapping: client).null()
    }
    let peak = memoryKiB(pid: pid, field: "VmHWM") ?? 0
    let final = memoryKiB(pid: pid, field: "VmRSS") ?? 0
    let counts = tally.counts.withLock { $0 }
    let memory = samples.state.withLock { $0 }
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let errors = counts.errors.values.reduce(0, +)
    print("calls=\(counts.issued) succeeded=\(counts.succeeded) mismatched=\(counts.mismatched) errors=\(errors)")
    for (kind, count) in counts.errors.sorted(by: { $0.key < $1.key }) {
        print("error[\(kind)]=\(count)")
    }
    print(
        "faults: dropped_tcp_connections=\(counts.droppedConnections) dropped_udp_replies=\(relay.dropped) hostile_connections=\(counts.hostileConnections)"
    )
    print(
        String(
            format: "seconds=%.1f calls_per_second=%.0f payload_mb=%.0f", seconds, Double(calls) / seconds,
            Double(counts.bytes) / 1e6))
    print(
        "server_rss_kib: after_warm_up=\(memory.warm ?? 0) peak_after_warm_up=\(memory.peakAfterWarm) final=\(final) peak=\(peak)"
    )

    // The verdict.
    var problems: [String] = []
    if counts.mismatched > 0 { problems.append("\(counts.mismatched) calls got a reply that is not theirs") }
    if counts.succeeded + counts.mismatched + errors != calls {
        problems.append("\(calls - counts.succeeded - counts.mismatched - errors) calls never finished")
    }
    let unexplained = counts.errors.filter { !$0.key.hasSuffix("(connection dropped on purpose)") }
    if !unexplained.isEmpty { problems.append("errors not caused by an injected fault: \(unexplained)") }
    let explained = errors - unexplained.values.reduce(0, +)
    if explained > counts.callsCaughtInDrops + counts.droppedConnections * 4 {
        problems.append("\(explained) calls failed in \(counts.droppedConnections) dropped connections")
    }
    if let warm = memory.warm, memory.peakAfterWarm > warm * 2 + 64 * 1024 {
        problems.append("the server's memory grew from \(warm) KiB after warm-up to \(memory.peakAfterWarm) KiB")
    }
    guard problems.isEmpty else { fail(problems.joined(separator: "; ")) }
    print("soak: every call got its own reply or an error from an injected fault; the server's memory stayed flat")
}

var arguments = CommandLine.arguments.dropFirst()
switch arguments.popFirst() {
case "serve":
    try await serve()
case "run":
    var calls = 200_000
    var clients = 64
    var seed: UInt64 = 1
    while let option = arguments.popFirst() {
        guard let value = arguments.popFirst() else { fail("\(option) needs a value") }
        switch option {
        case "--calls": calls = Int(value) ?? calls
        case "--clients": clients = Int(value) ?? clients
        case "--seed": seed = UInt64(value) ?? seed
        default: fail("unknown option \(option)")
        }
    }
    do {
        try await run(calls: calls, clients: clients, seed: seed)
    } catch {
        fail("\(error)")
    }
default:
    fail("usage: oncrpc-soak run [--calls N] [--clients N] [--seed N] | oncrpc-soak serve")
}
