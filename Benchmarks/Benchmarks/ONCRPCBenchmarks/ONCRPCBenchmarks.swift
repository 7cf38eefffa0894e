import BenchShared
import Benchmark
import NIOCore
import ONCRPC
import ONCRPCInProcessTransport
import ONCRPCNIOTransport
import XDR

// The package-benchmark suites of swift-oncrpc: XDR coding, record marking, and NULL calls in
// process and over loopback TCP and UDP, with throughput, latency percentiles and malloc counts.
//
// The "Allocations-" benchmarks measure malloc counts only, one operation per iteration, and
// their counts are held by the thresholds committed in Thresholds/ (tolerances below):
//     swift package benchmark thresholds check --filter "Allocations-.*"
// After a deliberate change, store the new counts with
//     swift package --allow-writing-to-package-directory benchmark thresholds update --filter "Allocations-.*"

/// A server of bench.x on loopback TCP and UDP plus clients to it, started once per process.
actor LoopbackCalls {
    static let shared = LoopbackCalls()

    private var ports: (tcp: Int, udp: Int)?

    func serverPorts() async throws -> (tcp: Int, udp: Int) {
        if let ports { return ports }
        let tcp = TCPServerTransport(host: "127.0.0.1")
        let udp = UDPServerTransport(host: "127.0.0.1")
        let server = RPCServer(transports: [tcp, udp], services: [BenchService()], registration: .none)
        // The server lives as long as the benchmark process.
        Task.detached { try await server.serve() }
        let bound = (try await tcp.listeningAddress().port ?? 0, try await udp.listeningAddress().port ?? 0)
        ports = bound
        return bound
    }
}

/// Measures sequential NULL calls to the loopback server over TCP or UDP, made on the client
/// transport's event loop (no thread switch per call).
func measureNullCalls(_ benchmark: Benchmark, overTCP: Bool) async throws {
    let ports = try await LoopbackCalls.shared.serverPorts()
    let tcp = TCPClientTransport(server: .host("127.0.0.1", port: ports.tcp))
    let udp = UDPClientTransport(server: .host("127.0.0.1", port: ports.udp))
    let (transport, executor): (any RPCClientTransport, EventLoopTaskExecutor) =
        overTCP ? (tcp, tcp.taskExecutor) : (udp, udp.taskExecutor)
    try await withTaskExecutorPreference(executor) {
        try await withRPCClient(transport: transport) { rpc in
            let client = Bench.Version1.Client(wrapping: rpc)
            try await client.null()  // connect outside the measurement
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                try await client.null()
            }
            benchmark.stopMeasurement()
        }
    }
}

let benchmarks: @Sendable () -> Void = {
    /// Malloc counts must not grow at all for coding, and by at most a few for a call over a socket
    /// (the event loop's own bookkeeping varies a little from run to run).
    let exact = BenchmarkThresholds(absolute: [.p50: 0, .p90: 0])
    let nearlyExact = BenchmarkThresholds(absolute: [.p50: 2, .p90: 4])

    let allocationConfiguration = { (thresholds: BenchmarkThresholds) in
        Benchmark.Configuration(
            metrics: [.mallocCountTotal], warmupIterations: 100, maxDuration: .seconds(1), maxIterations: 2_000,
            thresholds: [.mallocCountTotal: thresholds])
    }

    let speedMetrics: [BenchmarkMetric] = [.throughput, .wallClock, .mallocCountTotal]

    let batch = Workload.batch()
    let encodedBatch = try! batch.xdrBytes()
    let fixed = Workload.fixed()
    let encodedFixed = try! fixed.xdrBytes()

    // MARK: XDR

    Benchmark("XDR: encode 1,000 dirents", configuration: .init(metrics: speedMetrics)) { benchmark in
        var buffer = ByteBufferAllocator().buffer(capacity: 1 << 20)
        for _ in benchmark.scaledIterations {
            buffer.clear()
            try buffer.writeXDR(batch)
        }
        blackHole(buffer)
    }

    Benchmark("XDR: decode 1,000 dirents", configuration: .init(metrics: speedMetrics)) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try BenchBatch(xdrBytes: encodedBatch))
        }
    }

    Benchmark("XDR: encode a fixed struct", configuration: .init(metrics: speedMetrics, scalingFactor: .kilo)) {
        benchmark in
        var buffer = ByteBufferAllocator().buffer(capacity: 256)
        for _ in benchmark.scaledIterations {
            buffer.clear()
            try buffer.writeXDR(fixed)
        }
        blackHole(buffer)
    }

    Benchmark("XDR: decode a fixed struct", configuration: .init(metrics: speedMetrics, scalingFactor: .kilo)) {
        benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try BenchFixed(xdrBytes: encodedFixed))
        }
    }

    // MARK: Record marking

    let records: ByteBuffer = {
        var stream = ByteBuffer()
        for _ in 0..<64 {
            RecordMarking.frame(encodedFixed, into: &stream, maximumFragmentSize: 1 << 20)
        }
        return stream
    }()

    Benchmark("Record marking: split 64 records from a stream", configuration: .init(metrics: speedMetrics)) {
        benchmark in
        for _ in benchmark.scaledIterations {
            var decoder = RecordMarkingDecoder()
            var stream = records
            var count = 0
            while let record = try decoder.decodeRecord(from: &stream) {
                blackHole(record)
                count += 1
            }
            precondition(count == 64)
        }
    }

    Benchmark("Record marking: reassemble a 1 MiB record of 16 KiB fragments", configuration: .init(metrics: speedMetrics))
    { benchmark in
        let payload = Workload.payload(size: 1 << 20)
        var stream = ByteBuffer()
        RecordMarking.frame(payload, into: &stream, maximumFragmentSize: 16 << 10)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var decoder = RecordMarkingDecoder()
            var input = stream
            blackHole(try decoder.decodeRecord(from: &input))
        }
    }

    // MARK: Calls

    Benchmark("Calls: NULL in process", configuration: .init(metrics: speedMetrics)) { benchmark in
        let link = InProcessTransport()
        let server = RPCServer(transports: [link.server], services: [BenchService()], registration: .none)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            try await withRPCClient(transport: link.client) { rpc in
                let client = Bench.Version1.Client(wrapping: rpc)
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    try await client.null()
                }
                benchmark.stopMeasurement()
            }
            server.beginGracefulShutdown()
            try await group.waitForAll()
        }
    }

    Benchmark("Calls: NULL over loopback TCP", configuration: .init(metrics: speedMetrics)) { benchmark in
        try await measureNullCalls(benchmark, overTCP: true)
    }

    Benchmark("Calls: NULL over loopback UDP", configuration: .init(metrics: speedMetrics)) { benchmark in
        try await measureNullCalls(benchmark, overTCP: false)
    }

    // MARK: Allocations, held by thresholds

    Benchmark("Allocations-encode-fixed-struct", configuration: allocationConfiguration(exact)) { benchmark in
        var buffer = ByteBufferAllocator().buffer(capacity: 256)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            buffer.clear()
            try buffer.writeXDR(fixed)
        }
        benchmark.stopMeasurement()
        blackHole(buffer)
    }

    Benchmark("Allocations-decode-fixed-struct", configuration: allocationConfiguration(exact)) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try BenchFixed(xdrBytes: encodedFixed))
        }
    }

    Benchmark("Allocations-NULL-call-loopback-TCP", configuration: allocationConfiguration(nearlyExact)) {
        benchmark in
        try await measureNullCalls(benchmark, overTCP: true)
    }
}
