import NIOCore
import ONCRPC
import XDR

/// The Swift client's side of the interop matrix: the same calls and checks as
/// Interop/interop/interop-client.c, against any server of xdr/interop.x.
struct InteropChecks {
    let rpc: RPCClient
    var interop: Interop.Version1.Client { Interop.Version1.Client(wrapping: rpc) }
    private(set) var passed: [String] = []
    private(set) var failures: [String] = []

    init(rpc: RPCClient) { self.rpc = rpc }

    mutating func check(_ name: String, _ ok: Bool, _ why: @autoclosure () -> String = "differs") {
        if ok { passed.append(name) } else { failures.append("\(name): \(why())") }
    }

    /// Echoes `value` through `call` and checks it comes back equal.
    mutating func echo<T: Equatable>(_ name: String, _ value: T, _ call: (T) async throws -> T) async {
        do {
            let result = try await call(value)
            check(name, result == value, "sent \(value), got \(result)")
        } catch {
            check(name, false, "\(error)")
        }
    }

    /// Expects `body` to fail with `expected`.
    mutating func expect(_ name: String, _ expected: RPCError.Code, _ body: () async throws -> Void) async {
        do {
            try await body()
            check(name, false, "the call succeeded")
        } catch let error as RPCError {
            check(name, error.code == expected && error.code.supportedVersions == expected.supportedVersions && error.code.authStatus == expected.authStatus, "got \(error)")
        } catch {
            check(name, false, "got \(error)")
        }
    }

    static func text(_ length: Int) -> String {
        let pattern = String(decoding: (0..<23).map { UInt8(ascii: "A") + UInt8($0) }, as: UTF8.self)
        return String(String(repeating: pattern, count: length / 23 + 1).prefix(length))
    }

    /// `length` bytes of a pattern 251 bytes long (a prime, so it never lines up with fragments).
    static func blob(_ length: Int) -> ByteBuffer {
        let pattern = (0..<251).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(length)
        while buffer.readableBytes + pattern.count <= length { buffer.writeBytes(pattern) }
        buffer.writeBytes(pattern.prefix(length - buffer.readableBytes))
        return buffer
    }

    /// Runs every check; `large` adds 1 MiB and 3 MiB + 1 payloads (for TCP).
    mutating func run(large: Bool) async {
        let interop = self.interop
        do {
            try await interop.null()
            check("null", true)
        } catch {
            check("null", false, "\(error)")
        }
        for value: Int32 in [0, -1, .min, .max] { await echo("int \(value)", value) { try await interop.echoInt($0) } }
        await echo("uint max", UInt32.max) { try await interop.echoUint($0) }
        for value: Int64 in [.min, .max] { await echo("hyper \(value)", value) { try await interop.echoHyper($0) } }
        await echo("uhyper max", UInt64.max) { try await interop.echoUhyper($0) }
        for value in [true, false] { await echo("bool \(value)", value) { try await interop.echoBool($0) } }
        for value: Float in [-0.15625, .greatestFiniteMagnitude, -.infinity] {
            await echo("float \(value)", value.bitPattern) { try await interop.echoFloat(Float(bitPattern: $0)).bitPattern }
        }
        for value: Double in [6.02214076e23, -0.0, .nan] {
            await echo("double \(value)", value.bitPattern) {
                try await interop.echoDouble(Double(bitPattern: $0)).bitPattern
            }
        }
        for value in Color.allCases { await echo("color \(value)", value) { try await interop.echoColor($0) } }

        await echo("digest", Self.blob(16)) { try await interop.echoDigest($0) }
        await expect("digest of 15 refused by the encoder", .encodingFailed) { _ = try await interop.echoDigest(Self.blob(15)) }
        for value in ["", "naïve λ", String(repeating: "z", count: 255)] {
            await echo("name of \(value.utf8.count) bytes", value) { try await interop.echoName($0) }
        }
        await expect("name of 256 refused by the encoder", .encodingFailed) {
            _ = try await interop.echoName(String(repeating: "z", count: 256))
        }
        for length in [0, 1000] { await echo("text of \(length)", Self.text(length)) { try await interop.echoText($0) } }
        for length in [0, 1, 5] { await echo("blob of \(length)", Self.blob(length)) { try await interop.echoBlob($0) } }
        await echo("vector", [Int32.min, -1, 0, .max]) { try await interop.echoVector($0) }
        await expect("vector of 3 refused by the encoder", .encodingFailed) { _ = try await interop.echoVector([1, 2, 3]) }
        for length in [0, 100] {
            await echo("list of \(length)", (0..<length).map { Int32(truncatingIfNeeded: $0 &* 1_000_003) }) {
                try await interop.echoList($0)
            }
        }
        await expect("list of 101 refused by the encoder", .encodingFailed) {
            _ = try await interop.echoList(Array(repeating: 1, count: 101))
        }
        let values: [Value] = [
            .valueNone, .intValue(-42), .hyperValue(.min), .nameValue("name"),
            .points([Point(x: 1, y: 2), Point(x: 3, y: 4), Point(x: -5, y: -6)]),
            .raw(discriminant: 77, ByteBuffer(string: "0123456789abcdef")), .raw(discriminant: -1, ByteBuffer(string: "012")),
        ]
        for value in values { await echo("value \(value)", value) { try await interop.echoValue($0) } }
        let statuses: [Status] = [
            .count(.max), .flag(discriminant: 1, true), .flag(discriminant: 2, false), .level(1e-300),
            .other(discriminant: 12345),
        ]
        for value in statuses { await echo("status \(value)", value) { try await interop.echoStatus($0) } }
        for length in 0...3 {
            var chain: Node? = nil
            for i in (0..<length).reversed() { chain = Node(label: "n\(i)", payload: .intValue(Int32(i)), next: chain) }
            await echo("chain of \(length)", chain) { try await interop.echoChain($0) }
        }

        for index in 0..<Samples.count {
            let sample = Samples.sample(index)
            do {
                let echoed = try await interop.echoRecord(sample)
                check("echo record: sample \(index)", echoed == sample, Samples.firstDifference(echoed, sample) ?? "")
                let fetched = try await interop.getSample(index)
                check("get sample \(index)", fetched == sample, Samples.firstDifference(fetched, sample) ?? "")
                let verdict = try await interop.checkSample(SampleCheck(index: index, candidate: sample))
                check("check sample \(index)", verdict == "", verdict)
            } catch {
                check("sample \(index)", false, "\(error)")
            }
        }
        var altered = Samples.sample(0)
        altered.extras[3] = .nameValue("Naïve")
        do {
            let verdict = try await interop.checkSample(SampleCheck(index: 0, candidate: altered))
            check("check sample: a difference is found", verdict == "extras[3].name_value", verdict)
        } catch {
            check("check sample: a difference is found", false, "\(error)")
        }
        await expect("get sample: an unknown index is GARBAGE_ARGS", .garbageArguments) {
            _ = try await interop.getSample(Samples.count)
        }

        let low = UInt32(InteropConstants.interopMismatchLow)
        let high = UInt32(InteropConstants.interopMismatchHigh)
        let failures: [(FailureKind, RPCError.Code)] = [
            (.failProgUnavail, .programUnavailable), (.failProgMismatch, .programMismatch(low: low, high: high)),
            (.failProcUnavail, .procedureUnavailable), (.failGarbageArgs, .garbageArguments),
            (.failSystemErr, .systemError),
        ]
        for (kind, code) in failures {
            await expect("fail: \(kind)", code) { try await interop.fail(Failure(kind: kind, authStat: 0)) }
        }
        for stat: Int32 in 1...5 {
            await expect("fail: AUTH_ERROR \(stat)", .authError(RPCAuthStatus(rawValue: UInt32(stat)))) {
                try await interop.fail(Failure(kind: .failAuthError, authStat: stat))
            }
        }
        await echo("int after the errors", Int32(5)) { try await interop.echoInt($0) }

        let rpc = self.rpc
        let program = Interop.program
        await expect("unknown procedure", .procedureUnavailable) {
            _ = try await rpc.call(program: program, version: 1, procedure: 99, arguments: XDRVoid(), resultType: XDRVoid.self)
        }
        await expect("unknown version", .programMismatch(low: 1, high: 1)) {
            try await rpc.ping(program: program, version: 2)
        }
        await expect("unknown program", .programUnavailable) { try await rpc.ping(program: program + 1, version: 1) }
        await expect("undecodable arguments", .garbageArguments) {
            _ = try await rpc.call(
                program: program, version: 1, procedure: 18, arguments: Int32(7), resultType: XDRVoid.self)
        }
        await echo("int at the end", Int32(6)) { try await interop.echoInt($0) }

        if large {
            for length in [1 << 20, 3 << 20 + 1] {
                await echo("blob of \(length)", Self.blob(length)) { try await interop.echoBlob($0) }
            }
            await echo("text of 1 MiB + 3", Self.text(1 << 20 + 3)) { try await interop.echoText($0) }
        }
    }
}
