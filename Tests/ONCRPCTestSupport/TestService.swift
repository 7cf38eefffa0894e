public import NIOCore
public import ONCRPC
import Synchronization
public import XDR

/// A test program exercising every reply status: program 0x2000_0101, versions 1 and 2.
public enum TestProgram {
    public static let program: UInt32 = 0x2000_0101

    public enum Procedure: UInt32 {
        case echo = 1
        case add = 2
        case fail = 3
        case deny = 4
        case sleep = 5
        case count = 6
        case whoAmI = 7
        case echoOpaque = 8
    }

    /// Two integers to add.
    public struct Pair: XDRCodable, Sendable, Hashable {
        public var a: Int32
        public var b: Int32

        public init(a: Int32, b: Int32) {
            self.a = a
            self.b = b
        }

        public init(from reader: inout XDRReader) throws {
            a = try reader.readInt32()
            b = try reader.readInt32()
        }

        public func encode(to writer: inout XDRWriter) throws {
            writer.writeInt32(a)
            writer.writeInt32(b)
        }
    }

    struct Failure: Error {}

    /// Counts how often each procedure ran.
    public final class Counters: Sendable {
        private let calls = Mutex<[UInt32: Int]>([:])

        public init() {}

        public func record(_ procedure: Procedure) {
            calls.withLock { $0[procedure.rawValue, default: 0] += 1 }
        }

        public func count(_ procedure: Procedure) -> Int {
            calls.withLock { $0[procedure.rawValue] ?? 0 }
        }

        /// SLEEP calls whose task was cancelled before they finished.
        public var cancelledSleeps: Int {
            calls.withLock { $0[Self.cancelledSleepKey] ?? 0 }
        }

        public func recordCancelledSleep() {
            calls.withLock { $0[Self.cancelledSleepKey, default: 0] += 1 }
        }

        private static let cancelledSleepKey: UInt32 = 0xC0DE_0005
    }

    /// Version 1 with every procedure.
    public static func version1(counters: Counters = Counters()) -> RPCServiceDefinition {
        RPCServiceDefinition(
            program: program, version: 1,
            methods: [
                RPCMethod(procedure: Procedure.echo.rawValue, name: "ECHO") { (text: String, _) in
                    counters.record(.echo)
                    return text
                },
                RPCMethod(procedure: Procedure.add.rawValue, name: "ADD") { (pair: Pair, _) in
                    counters.record(.add)
                    return pair.a &+ pair.b
                },
                RPCMethod(procedure: Procedure.fail.rawValue, name: "FAIL") { (_: XDRVoid, _) -> XDRVoid in
                    counters.record(.fail)
                    throw Failure()
                },
                RPCMethod(procedure: Procedure.deny.rawValue, name: "DENY") { (_: XDRVoid, _) -> XDRVoid in
                    counters.record(.deny)
                    throw RPCError(code: .authError(.tooWeak), message: "AUTH_SYS required")
                },
                RPCMethod(procedure: Procedure.sleep.rawValue, name: "SLEEP") { (milliseconds: UInt32, _) in
                    counters.record(.sleep)
                    do {
                        try await Task.sleep(for: .milliseconds(Int(milliseconds)))
                    } catch {
                        counters.recordCancelledSleep()
                        throw error
                    }
                    return XDRVoid()
                },
                RPCMethod(procedure: Procedure.count.rawValue, name: "COUNT") { (_: XDRVoid, _) -> UInt32 in
                    counters.record(.count)
                    return UInt32(counters.count(.count))
                },
                RPCMethod(procedure: Procedure.whoAmI.rawValue, name: "WHOAMI") { (_: XDRVoid, context) -> String in
                    counters.record(.whoAmI)
                    guard let sys = context.authSys else { return "nobody" }
                    return
                        "\(sys.machineName):\(sys.uid):\(sys.gid):\(sys.gids.map(String.init).joined(separator: ","))"
                },
                RPCMethod(procedure: Procedure.echoOpaque.rawValue, name: "ECHO_OPAQUE") { (bytes: ByteBuffer, _) in
                    counters.record(.echoOpaque)
                    return bytes
                },
            ])
    }

    /// Version 2: only ECHO, which answers in upper case.
    public static func version2() -> RPCServiceDefinition {
        RPCServiceDefinition(
            program: program, version: 2,
            methods: [
                RPCMethod(procedure: Procedure.echo.rawValue, name: "ECHO") { (text: String, _) in
                    text.uppercased()
                }
            ])
    }

    /// Builds a raw call message (no record mark) with the given header fields and argument bytes.
    public static func rawCall(
        xid: UInt32,
        rpcVersion: UInt32 = 2,
        program: UInt32 = TestProgram.program,
        version: UInt32 = 1,
        procedure: UInt32,
        credentials: RPCOpaqueAuth = .none,
        arguments: [UInt8] = []
    ) throws -> ByteBuffer {
        var writer = XDRWriter()
        try RPCCallHeader(
            xid: xid, rpcVersion: rpcVersion, program: program, version: version, procedure: procedure,
            credentials: credentials
        ).encode(to: &writer)
        writer.buffer.writeBytes(arguments)
        return writer.buffer
    }

    /// Decodes a reply message's header.
    public static func replyHeader(_ reply: ByteBuffer) throws -> (RPCReplyHeader, ByteBuffer) {
        var reader = XDRReader(buffer: reply)
        guard case .reply(let header) = try RPCMessageHeader.decode(from: &reader) else {
            throw RPCError(code: .invalidReply, message: "not a reply")
        }
        return (header, reader.buffer)
    }
}

/// Runs `body` and returns the RPCError it throws, or nil if it succeeded or threw another error.
public func rpcError(_ body: () async throws -> Void) async -> RPCError? {
    do {
        try await body()
        return nil
    } catch let error as RPCError {
        return error
    } catch {
        return nil
    }
}
