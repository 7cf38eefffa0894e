import Foundation
import NIOCore
import ONCRPC
import ONCRPCNIOTransport
import ONCRPCTestSupport
import RPCBind
import Testing

// RStat and RUsers are generated at build time from /usr/include/rpcsvc/rstat.x and rusers.x,
// read where Debian's rpcsvc-proto installs them (see swift-rpcgen-config.json).

/// Real legacy daemons from Debian, found through the system rpcbind and called by Swift
/// clients generated from the `.x` files Debian ships. `scripts/test` installs the rstatd and
/// rusersd packages and starts both daemons.
@Suite("Legacy daemons from Debian: rpc.rstatd and rpc.rusersd", .serialized)
struct LegacyDaemonTests {
    /// The versions of `program` rpcbind lists, with their protocols; fails with how to start
    /// the daemon when it is not registered.
    static func registeredVersions(_ program: UInt32, daemon: String, package: String) async throws -> [(
        version: UInt32, proto: String
    )] {
        let rows = try await portmapRows(program: program)
        try #require(
            !rows.isEmpty,
            "\(daemon) is not registered with rpcbind: run scripts/test, which installs the \(package) package and starts \(daemon)"
        )
        return rows.map { ($0.version, $0.proto) }
    }

    /// The kernel's boot time, from the btime line of /proc/stat.
    static func bootTime() throws -> Int {
        let stat = try String(contentsOfFile: "/proc/stat", encoding: .utf8)
        let line = try #require(stat.split(separator: "\n").first { $0.hasPrefix("btime ") })
        return try #require(Int(line.dropFirst(6)))
    }

    static var now: Int { Int(Date().timeIntervalSince1970) }

    /// Expects `body` to fail with `code`.
    static func expectFailure(_ code: RPCError.Code, _ comment: Comment, _ body: () async throws -> Void) async {
        do {
            try await body()
            Issue.record("succeeded, expected \(code): \(comment)")
        } catch let error as RPCError {
            #expect(error.code == code, comment)
            #expect(error.code.supportedVersions == code.supportedVersions, comment)
        } catch {
            Issue.record("\(error), expected \(code): \(comment)")
        }
    }

    @Test("rstatd: every procedure of versions 1, 2 and 3 over UDP; version 4 is PROG_MISMATCH")
    func rstatd() async throws {
        let rows = try await Self.registeredVersions(RStat.program, daemon: "/usr/sbin/rpc.rstatd", package: "rstatd")
        let served = Set(rows.map(\.version))
        // rstat.x describes versions 1 to 3; rstatd also serves 5, which no .x describes.
        let callable = served.intersection([1, 2, 3]).sorted()
        #expect(callable == [1, 2, 3], "rpcbind lists rstatd versions \(served.sorted())")
        let bootTime = try Self.bootTime()

        var disks: [UInt32] = []
        for version in callable {
            let transport = UDPClientTransport(
                server: .rpcbind(host: "127.0.0.1", program: RStat.program, version: version, over: .udp))
            try await withRPCClient(transport: transport) { rpc in
                switch version {
                case 3:
                    let client = RStat.Version3.Client(wrapping: rpc)
                    let first = try await client.stats()
                    let second = try await client.stats()
                    #expect(abs(Int(first.boottime.tvSec) - bootTime) <= 2, "boot time \(first.boottime) vs btime \(bootTime)")
                    #expect(Int(first.boottime.tvSec) < Self.now, "the boot time is in the past")
                    #expect(abs(Int(first.curtime.tvSec) - Self.now) <= 5, "current time \(first.curtime)")
                    #expect(first.curtime.tvUsec < 1_000_000)
                    Self.expectPlausibleCPU(first.cpTime, then: second.cpTime)
                    #expect(first.avenrun.allSatisfy { (0..<256 * 1000).contains($0) }, "load \(first.avenrun)")
                    #expect(first.vSwtch > 0 && first.vIntr > 0, "context switches \(first.vSwtch), interrupts \(first.vIntr)")
                    disks.append(try await client.haveDisk())
                case 2:
                    let client = RStat.Version2.Client(wrapping: rpc)
                    let first = try await client.stats()
                    let second = try await client.stats()
                    #expect(abs(Int(first.boottime.tvSec) - bootTime) <= 2, "boot time \(first.boottime) vs btime \(bootTime)")
                    Self.expectPlausibleCPU(first.cpTime, then: second.cpTime)
                    #expect(first.avenrun.allSatisfy { $0 < 256 * 1000 }, "load \(first.avenrun)")
                    #expect(first.vSwtch > 0, "context switches \(first.vSwtch)")
                    disks.append(try await client.haveDisk())
                default:
                    let client = RStat.Version1.Client(wrapping: rpc)
                    let first = try await client.stats()
                    let second = try await client.stats()
                    Self.expectPlausibleCPU(first.cpTime, then: second.cpTime)
                    #expect(first.dkXfer.allSatisfy { $0 >= 0 }, "disk transfers \(first.dkXfer)")
                    disks.append(try await client.haveDisk())
                }
            }
        }
        // The one-line client: the generated namespace finds rstatd through rpcbind itself.
        let stats = try await RStat.Version3.withClient(host: "127.0.0.1", over: .udp) { rstat in
            try await rstat.stats()
        }
        #expect(abs(Int(stats.boottime.tvSec) - bootTime) <= 2, "boot time \(stats.boottime) vs btime \(bootTime)")
        // HAVEDISK is a yes/no answer, the same whichever version asks.
        #expect(disks.count == 3 && Set(disks).count == 1 && disks[0] <= 1, "HAVEDISK answers \(disks)")

        // A version the daemon does not serve, at the port of one it does.
        let transport = UDPClientTransport(
            server: .rpcbind(host: "127.0.0.1", program: RStat.program, version: 3, over: .udp))
        try await withRPCClient(transport: transport) { rpc in
            await Self.expectFailure(
                .programMismatch(low: served.min()!, high: served.max()!), "rstatd at version 4"
            ) { try await rpc.ping(program: RStat.program, version: 4) }
        }
        // rstatd serves UDP only: over TCP rpcbind knows no address.
        if !rows.contains(where: { $0.proto == "tcp" }) {
            await Self.expectFailure(.notRegistered, "rstatd over TCP") {
                _ = try await RPCBindResolver.resolve(host: "127.0.0.1", program: RStat.program, version: 3, over: .tcp)
            }
            // The error says what rpcbind does list for the program.
            do {
                _ = try await RPCBindResolver.resolve(host: "127.0.0.1", program: RStat.program, version: 3, over: .tcp)
            } catch let error as RPCError {
                let versions = Set(rows.map(\.version)).sorted().map(String.init).joined(separator: ", ")
                #expect(error.message.hasSuffix("; rpcbind lists versions \(versions) over udp"), "\(error.message)")
            }
        }
    }

    /// CPU times in ticks: user, nice, system, idle; none negative, some time spent, never
    /// going backwards between two calls.
    static func expectPlausibleCPU(_ first: [Int32], then second: [Int32]) {
        #expect(first.count == 4 && second.count == 4)
        #expect(first.allSatisfy { $0 >= 0 } && first.reduce(0) { $0 + Int($1) } > 0, "cp_time \(first)")
        #expect(zip(first, second).allSatisfy { $0 <= $1 }, "cp_time went backwards: \(first) then \(second)")
    }

    /// The (user, line) pairs `who` prints.
    static func whoSessions() async throws -> Set<[String]> {
        let (status, output) = try await runTool("/usr/bin/who", [])
        #expect(status == 0, "who: \(output)")
        return Set(
            output.split(separator: "\n").map { line in
                line.split(separator: " ", omittingEmptySubsequences: true).prefix(2).map(String.init)
            })
    }

    @Test("rusersd: every procedure of version 3 over UDP, the users matching who; version 4 is PROG_MISMATCH")
    func rusersd() async throws {
        let rows = try await Self.registeredVersions(RUsers.program, daemon: "/usr/sbin/rpc.rusersd", package: "rusersd")
        let served = Set(rows.map(\.version))
        // rusers.x describes version 3 only; rusersd also serves 2.
        #expect(served.contains(3), "rpcbind lists rusersd versions \(served.sorted())")

        // A login session of our own, so that the list is not empty: a small C helper writes
        // it to utmp (and removes it when stopped).
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("utmp-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let built = try await runTool(
            "/usr/bin/cc", ["-Wall", "-Werror", "-o", work + "/utmp-session", packageRoot + "/Interop/legacy/utmp-session.c"])
        try #require(built.status == 0, "building Interop/legacy/utmp-session.c (needs gcc): \(built.output)")
        let started = Self.now
        let session = try await BackgroundProcess(
            work + "/utmp-session", ["oncrpctest", "console", "127.0.0.1", "120"], readyText: "ready")
        var ended = false
        defer { if !ended { kill(session.pid, SIGKILL) } }

        let transport = UDPClientTransport(
            server: .rpcbind(host: "127.0.0.1", program: RUsers.program, version: 3, over: .udp))
        try await withRPCClient(transport: transport) { rpc in
            let client = RUsers.Version3.Client(wrapping: rpc)
            let names = try await client.names()
            let count = try await client.count()
            let all = try await client.allNames()
            let who = try await Self.whoSessions()

            #expect(Set(names.map { [$0.utUser, $0.utLine] }) == who, "rusersd: \(names), who: \(who)")
            #expect(Int(count) == names.count, "RUSERSPROC_NUM \(count) vs \(names.count) names")
            #expect(Set(names).isSubset(of: Set(all)), "ALLNAMES lacks some of NAMES")
            let ours = try #require(names.first { $0.utUser == "oncrpctest" }, "our session is missing: \(names)")
            #expect(ours.utLine == "console" && ours.utHost == "127.0.0.1")
            #expect(ours.utType == Int32(RusersConstants.rusersUserProcess))
            #expect(abs(Int(ours.utTime) - started) <= 5, "login time \(ours.utTime), started at \(started)")

            let output = await session.stop()
            ended = true
            #expect(output.contains("ended"), "utmp-session: \(output)")
            let after = try await client.names()
            #expect(!after.contains { $0.utUser == "oncrpctest" }, "the ended session is still listed")
            #expect(Set(after.map { [$0.utUser, $0.utLine] }) == (try await Self.whoSessions()))

            await Self.expectFailure(
                .programMismatch(low: served.min()!, high: served.max()!), "rusersd at version 4"
            ) { try await rpc.ping(program: RUsers.program, version: 4) }
        }
    }
}
