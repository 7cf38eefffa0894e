import Foundation
import ONCRPCTestSupport
import Synchronization
import Testing

@testable import RPCBind

/// What the listings of swift-rpcinfo cost as the table they read grows: linear, shown by
/// counting operations (never by timing), and every entry of a 200,000-entry table printed.
@Suite("swift-rpcinfo on huge tables", .timeLimit(.minutes(3)))
struct ListingScaleTests {
    /// A key that counts every hash and comparison made of it.
    struct Counted: Hashable {
        static let operations = Atomic<Int>(0)
        var value: UInt32

        static func == (a: Counted, b: Counted) -> Bool {
            operations.add(1, ordering: .relaxed)
            return a.value == b.value
        }

        func hash(into hasher: inout Hasher) {
            Self.operations.add(1, ordering: .relaxed)
            hasher.combine(value)
        }
    }

    /// The operations on keys that grouping `count` entries takes: as fake-rpcbind.py's table,
    /// two versions and two netids for each program.
    static func groupingOperations(_ count: Int) -> (operations: Int, groups: Int) {
        var entries: [(Counted, Counted, Counted, String)] = []
        entries.reserveCapacity(count)
        for i in 0..<count {
            let program = Counted(value: UInt32(0x4000_0000 + i / 2))
            entries.append((program, Counted(value: UInt32(1 + i % 2)), Counted(value: UInt32(i % 2)), "owner"))
        }
        let before = Counted.operations.load(ordering: .relaxed)
        let groups = RPCBindProgramSummary.grouped(entries)
        return (Counted.operations.load(ordering: .relaxed) - before, groups.count)
    }

    @Test func theConciseGroupingIsLinear() {
        let small = Self.groupingOperations(20_000)
        let large = Self.groupingOperations(200_000)
        #expect(small.groups == 10_000)
        #expect(large.groups == 100_000)
        // Hashed look-ups: a few operations per entry, ten times the table, about ten times the
        // work. Scanning the groups for each entry (as rpcinfo's C code does) would be ~100x.
        let ratio = Double(large.operations) / Double(small.operations)
        #expect(ratio < 15, "\(small.operations) operations for 20,000 entries, \(large.operations) for 200,000")
        #expect(large.operations < 40 * 200_000, "\(large.operations) operations for 200,000 entries")
    }

    @Test func summariesKeepRPCInfosOrder() {
        let mappings = [
            RPCBindMapping(rProg: 100_000, rVers: 4, rNetid: "tcp", rAddr: "", rOwner: "superuser"),
            RPCBindMapping(rProg: 100_000, rVers: 3, rNetid: "tcp", rAddr: "", rOwner: "x"),
            RPCBindMapping(rProg: 100_003, rVers: 3, rNetid: "udp", rAddr: "", rOwner: "1000"),
            RPCBindMapping(rProg: 100_000, rVers: 4, rNetid: "udp", rAddr: "", rOwner: "x"),
            RPCBindMapping(rProg: 100_000, rVers: 2, rNetid: "tcp6", rAddr: "", rOwner: "x"),
        ]
        #expect(
            RPCBindProgramSummary.summaries(of: mappings) == [
                RPCBindProgramSummary(
                    program: 100_000, versions: [2, 3, 4], netids: ["tcp6", "udp", "tcp"], owner: "superuser"),
                RPCBindProgramSummary(program: 100_003, versions: [3], netids: ["udp"], owner: "1000"),
            ])
    }

    /// Every listing of swift-rpcinfo against a fake rpcbind holding 200,000 entries, in a
    /// network namespace of its own (Interop/rpcbind/rpcinfo-scale-check.sh).
    @Test func everyListingPrintsATableOf200000Entries() async throws {
        #expect(getuid() == 0, "needs root for a network namespace: run scripts/test as root")
        #expect(
            FileManager.default.isExecutableFile(atPath: "\(binDirectory)/swift-rpcinfo"),
            "build the package first: swift build --build-tests")
        let (status, output) = try await runTool(
            "/bin/bash", ["\(packageRoot)/Interop/rpcbind/rpcinfo-scale-check.sh", binDirectory, "200000"])
        #expect(status == 0, "\(output)")
        let lines = Set(output.split(separator: "\n").map(String.init))
        for expected in [
            "concise lines 100001", "full lines 200001", "portmap lines 200001", "list lines 200001",
            "stats addrinfo-lines 200000",
            "concise last 1073841823  2,1       udp,tcp                          -           superuser",
            "full last 1073841823    2    udp       127.0.0.1.82.31        -          superuser",
            "portmap last 1073841823    2   udp  21023",
        ] {
            #expect(lines.contains(expected), "missing \(expected) in:\n\(output)")
        }
    }
}
