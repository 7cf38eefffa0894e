import BenchShared
import Glibc
import NIOCore
import ONCRPC
import ONCRPCNIOTransport
import XDR

// oncrpc-bench: swift-oncrpc's side of compare.sh, with the command lines and key=value output
// of the C programs in Benchmarks/c, plus pipelining (--in-flight), which libtirpc cannot do.
//
//   oncrpc-bench xdr [--rounds N] [--round-ms MS] [--dump FILE] [--only WORKLOAD]
//   oncrpc-bench server [TCP-PORT UDP-PORT]
//   oncrpc-bench null tcp|udp PORT SECONDS [--in-flight N]
//   oncrpc-bench echo SIZE PORT SECONDS

func usage() -> Never {
    print(
        """
        usage: oncrpc-bench xdr [--rounds N] [--round-ms MS] [--dump FILE] [--only WORKLOAD]
               oncrpc-bench server [TCP-PORT UDP-PORT]
               oncrpc-bench null tcp|udp PORT SECONDS [--in-flight N]
               oncrpc-bench echo SIZE PORT SECONDS
        """)
    exit(2)
}

/// Monotonic time in nanoseconds.
@inline(__always)
func nowNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

func format(_ value: Double, digits: Int = 1) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    var text = String(rounded)
    if let dot = text.firstIndex(of: ".") {
        let decimals = text.distance(from: dot, to: text.endIndex) - 1
        if decimals < digits { text += String(repeating: "0", count: digits - decimals) }
    } else {
        text += "." + String(repeating: "0", count: digits)
    }
    return text
}

// MARK: - XDR

/// The best mean time per call of `operation` over `rounds` rounds of `roundNanoseconds`.
func bestNanoseconds(rounds: Int, roundNanoseconds: UInt64, _ operation: () throws -> Void) rethrows -> Double {
    var best = Double.infinity
    for _ in 0..<rounds {
        let start = nowNanoseconds()
        var now = start
        var count: UInt64 = 0
        repeat {
            try operation()
            count += 1
            if count & 15 == 0 { now = nowNanoseconds() }
        } while now - start < roundNanoseconds || count & 15 != 0
        best = min(best, Double(now - start) / Double(count))
    }
    return best
}

func runXDR(_ arguments: ArraySlice<String>) throws {
    var rounds = 10
    var roundMilliseconds: UInt64 = 100
    var dump: String? = nil
    // --only batch.encode (for example) runs that workload alone, for profiling.
    var only: String? = nil
    var rest = arguments
    while let flag = rest.popFirst() {
        guard let value = rest.popFirst() else { usage() }
        switch flag {
        case "--rounds": rounds = Int(value) ?? rounds
        case "--round-ms": roundMilliseconds = UInt64(value) ?? roundMilliseconds
        case "--dump": dump = value
        case "--only": only = value
        default: usage()
        }
    }
    let roundNanoseconds = roundMilliseconds * 1_000_000
    /// Prints `xdr.NAME.ns=` with the best time of `operation`, unless `--only` names another workload.
    func time(_ name: String, _ operation: () throws -> Void) throws {
        guard only == nil || only == name else { return }
        let nanoseconds = try bestNanoseconds(rounds: rounds, roundNanoseconds: roundNanoseconds, operation)
        print("xdr.\(name).ns=\(format(nanoseconds))")
    }
    let batch = Workload.batch()
    var buffer = ByteBufferAllocator().buffer(capacity: 1 << 20)
    try buffer.writeXDR(batch)
    let encoded = buffer
    if let dump {
        guard let file = fopen(dump, "wb") else { throw RPCError(code: .systemError, message: "cannot open \(dump)") }
        let written = encoded.withUnsafeReadableBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        fclose(file)
        guard written == encoded.readableBytes else {
            throw RPCError(code: .systemError, message: "cannot write \(dump)")
        }
    }
    print("xdr.batch.bytes=\(encoded.readableBytes)")
    try time("batch.encode") {
        buffer.clear()
        try buffer.writeXDR(batch)
    }
    try time("batch.decode") {
        let decoded = try BenchBatch(xdrBytes: encoded)
        guard decoded.entries.count == Workload.batchEntries else {
            throw RPCError(code: .invalidReply, message: "decoded \(decoded.entries.count) entries")
        }
    }

    let fixed = Workload.fixed()
    buffer.clear()
    try buffer.writeXDR(fixed)
    let fixedBytes = buffer
    print("xdr.fixed.bytes=\(fixedBytes.readableBytes)")
    try time("fixed.encode") {
        buffer.clear()
        try buffer.writeXDR(fixed)
    }
    try time("fixed.decode") {
        let decoded = try BenchFixed(xdrBytes: fixedBytes)
        guard decoded.id == fixed.id else { throw RPCError(code: .invalidReply, message: "decoded a different id") }
    }
}

// MARK: - Server

func runServer(_ arguments: ArraySlice<String>) async throws {
    let ports = arguments.compactMap { Int($0) }
    let tcp = TCPServerTransport(host: "127.0.0.1", port: ports.first ?? 0)
    let udp = UDPServerTransport(host: "127.0.0.1", port: ports.dropFirst().first ?? 0)
    let server = RPCServer(transports: [tcp, udp], services: [BenchService()], registration: .none)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await server.serve() }
        let tcpPort = try await tcp.listeningAddress().port ?? 0
        let udpPort = try await udp.listeningAddress().port ?? 0
        print("tcp=\(tcpPort) udp=\(udpPort)")
        fflush(nil)  // all streams: compare.sh reads the ports line through a pipe
        try await group.waitForAll()
    }
}

// MARK: - Calls

/// What one caller measured.
struct CallerResult: Sendable {
    var calls = 0
    var samples: [UInt64] = []
}

/// Calls `call` in `inFlight` concurrent loops until `seconds` have passed and prints calls,
/// rate, p50.us, p99.us and, when `payloadBytes` is given, mbps.
func measure(
    seconds: Double, inFlight: Int, payloadBytes: Int? = nil,
    _ call: nonisolated(nonsending) @escaping @Sendable () async throws -> Void
) async throws {
    let start = nowNanoseconds()
    let end = start + UInt64(seconds * 1e9)
    let results = try await withThrowingTaskGroup(of: CallerResult.self) { group in
        for _ in 0..<inFlight {
            group.addTask {
                var result = CallerResult()
                result.samples.reserveCapacity(1 << 16)
                var now = nowNanoseconds()
                while now < end {
                    let before = now
                    try await call()
                    now = nowNanoseconds()
                    if result.samples.count < 1 << 22 { result.samples.append(now - before) }
                    result.calls += 1
                }
                return result
            }
        }
        var all: [CallerResult] = []
        for try await result in group { all.append(result) }
        return all
    }
    let elapsed = Double(nowNanoseconds() - start) / 1e9
    let calls = results.reduce(0) { $0 + $1.calls }
    let samples = results.flatMap(\.samples)
    print("calls=\(calls)")
    print("rate=\(format(Double(calls) / elapsed))")
    print("p50.us=\(format(Double(Percentiles.value(50, of: samples)) / 1000, digits: 2))")
    print("p99.us=\(format(Double(Percentiles.value(99, of: samples)) / 1000, digits: 2))")
    if let payloadBytes {
        print("mbps=\(format(Double(calls) * Double(payloadBytes) / elapsed / 1e6))")
    }
}

func runNull(_ arguments: ArraySlice<String>) async throws {
    var positional: [String] = []
    var inFlight = 1
    var rest = arguments
    while let argument = rest.popFirst() {
        if argument == "--in-flight" {
            guard let value = rest.popFirst().flatMap({ Int($0) }), value > 0 else { usage() }
            inFlight = value
        } else {
            positional.append(argument)
        }
    }
    guard positional.count == 3, let port = Int(positional[1]), let seconds = Double(positional[2]) else { usage() }
    let server = RPCServerAddress.host("127.0.0.1", port: port)
    let transport: any RPCClientTransport
    let executor: EventLoopTaskExecutor
    switch positional[0] {
    case "tcp":
        let tcp = TCPClientTransport(server: server)
        (transport, executor) = (tcp, tcp.taskExecutor)
    case "udp":
        let udp = UDPClientTransport(server: server)
        (transport, executor) = (udp, udp.taskExecutor)
    default: usage()
    }
    // The calls run on the transport's event loop: no thread switch per call.
    try await withTaskExecutorPreference(executor) {
        try await withRPCClient(transport: transport) { rpc in
            let client = Bench.Version1.Client(wrapping: rpc)
            try await client.null()  // connect before measuring
            try await measure(seconds: seconds, inFlight: inFlight) { try await client.null() }
        }
    }
}

func runEcho(_ arguments: ArraySlice<String>) async throws {
    let values = Array(arguments)
    guard values.count == 3, let size = Int(values[0]), let port = Int(values[1]), let seconds = Double(values[2])
    else { usage() }
    let payload = Workload.payload(size: size)
    let transport = TCPClientTransport(server: .host("127.0.0.1", port: port))
    try await withTaskExecutorPreference(transport.taskExecutor) {
        try await withRPCClient(transport: transport) { rpc in
            let client = Bench.Version1.Client(wrapping: rpc)
            guard try await client.echo(payload) == payload else {
                throw RPCError(code: .invalidReply, message: "the echo differs from what was sent")
            }
            try await measure(seconds: seconds, inFlight: 1, payloadBytes: size) {
                let reply = try await client.echo(payload)
                guard reply.readableBytes == size else {
                    throw RPCError(
                        code: .invalidReply, message: "the echo has \(reply.readableBytes) bytes, not \(size)")
                }
            }
        }
    }
}

let arguments = CommandLine.arguments.dropFirst()
guard let command = arguments.first else { usage() }
do {
    switch command {
    case "xdr": try runXDR(arguments.dropFirst())
    case "server": try await runServer(arguments.dropFirst())
    case "null": try await runNull(arguments.dropFirst())
    case "echo": try await runEcho(arguments.dropFirst())
    default: usage()
    }
} catch {
    let message = Array("oncrpc-bench: \(error)\n".utf8)
    _ = message.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(1)
}
