// The Swift examples of README.md, each the body of a function, so that the build compiles them.
// ReadmeTests checks that every Swift block of the README is here, line for line.

import Logging
import NIOCore
import ONCRPC
import ONCRPCNIOTransport
import RPCBind
import RPCBindServer
import ServiceLifecycle
import Synchronization
import UnixSignals
import XDR

enum ReadmeExamples {
    /// The rstatd call of "Call a legacy service" (run by the tests: rpc.rstatd runs there).
    static func callALegacyService() async throws {
        let stats = try await Rstat.V3.withClient(host: "127.0.0.1", over: .udp) { rstat in
            try await rstat.stats()
        }
        print("up since \(stats.boottime.tvSec), load \(Double(stats.avenrun[0]) / 256)")
    }

    /// The error of "Call a legacy service": no rpcbind listens on port 1 (run by the tests).
    static func matchAnError() async throws {
        do {
            _ = try await Rstat.V3.withClient(host: "127.0.0.1", over: .tcp, rpcbindPort: 1) { try await $0.stats() }
        } catch let error as RPCError where error.code == .unreachable {
            print(error)  // …: the rpcbind at 127.0.0.1 port 1 does not answer (… connection refused)
        }
    }

    /// The server of "Write a server" (compiled only: it serves until a signal).
    static func writeAServer() async throws {
        final class Store: Keyvalue.V1.ServiceProtocol {
            let values = Mutex<[String: ByteBuffer]>([:])
            func put(_ pair: KvPair, context: RPCServerContext) async throws -> Bool {
                values.withLock { $0.updateValue(pair.value, forKey: pair.key) == nil }
            }
            func get(_ key: KvKey, context: RPCServerContext) async throws -> KvLookup {
                values.withLock { $0[key] }.map(KvLookup.value) ?? .kvNotFound
            }
            func delete(_ key: KvKey, context: RPCServerContext) async throws -> Bool {
                values.withLock { $0.removeValue(forKey: key) != nil }
            }
            func list(context: RPCServerContext) async throws -> KvKeys {
                values.withLock { $0.keys.sorted() }
            }
        }

        let server = RPCServer(
            transports: [TCPServerTransport(host: "0.0.0.0"), UDPServerTransport(host: "0.0.0.0")],
            services: [Store()], registration: .rpcbind)
        // SIGTERM or Ctrl-C: calls in flight are answered, then the server unregisters and returns.
        let group = ServiceGroup(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: Logger(label: "kv"))
        try await group.run()
    }

    /// The client of "Write a server" (compiled only: it needs the server registered with rpcbind).
    static func callTheServer() async throws {
        try await Keyvalue.V1.withClient(host: "127.0.0.1", over: .tcp) { store in
            _ = try await store.put(KvPair(key: "colour", value: ByteBuffer(string: "blue")))
            print(try await store.get("colour"))  // value(…4 bytes)
        }
    }

    /// The embedded rpcbind of "Run rpcbind" (compiled only: it binds port 111 and serves).
    static func embedRPCBind() async throws {
        let rpcbind = RPCBindServer().makeServer(host: "127.0.0.1", port: 111)
        try await rpcbind.serve()
    }

    /// "XDR by hand" (run by the tests).
    static func xdrByHand() throws {
        struct Point: XDRCodable {
            var x: Int32
            var y: Int32
            init(x: Int32, y: Int32) { (self.x, self.y) = (x, y) }
            init(from reader: inout XDRReader) throws { (x, y) = (try reader.readInt32(), try reader.readInt32()) }
            func encode(to writer: inout XDRWriter) throws {
                writer.writeInt32(x)
                writer.writeInt32(y)
            }
        }

        let bytes = try Point(x: 1, y: -2).xdrBytes()  // 8 bytes
        let back = try Point(xdrBytes: bytes)     // checks that no byte is left over
        print(back.x, back.y)  // 1 -2
    }
}
