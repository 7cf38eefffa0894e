public import ONCRPC
public import NIOCore

/// The Swift server of bench.x, doing what `Benchmarks/c/bench-server.c` does: every procedure
/// returns its argument.
public struct BenchService: Bench.Version1.ServiceProtocol {
    public init() {}

    public func null(context: RPCServerContext) async throws {}

    public func echo(_ argument: BenchBlob, context: RPCServerContext) async throws -> BenchBlob { argument }

    public func list(_ argument: BenchBatch, context: RPCServerContext) async throws -> BenchBatch { argument }

    public func fixed(_ argument: BenchFixed, context: RPCServerContext) async throws -> BenchFixed { argument }
}
