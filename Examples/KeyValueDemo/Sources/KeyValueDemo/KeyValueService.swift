import NIOCore
import ONCRPC
import Synchronization

// KeyValue, Pair, Key, Lookup and Keys are generated from xdr/keyvalue.x at build time by the
// swift-rpcgen build plugin (see swift-rpcgen-config.json beside this file).

/// The server side of the key-value service: a dictionary behind a mutex.
final class KeyValueService: KeyValue.Version1.ServiceProtocol {
    private let store = Mutex<[String: ByteBuffer]>([:])

    func put(_ argument: Pair, context: RPCServerContext) async throws -> Bool {
        store.withLock { $0.updateValue(argument.value, forKey: argument.key) == nil }
    }

    func get(_ argument: Key, context: RPCServerContext) async throws -> Lookup {
        store.withLock { $0[argument] }.map(Lookup.value) ?? .notFound
    }

    func delete(_ argument: Key, context: RPCServerContext) async throws -> Bool {
        store.withLock { $0.removeValue(forKey: argument) != nil }
    }

    func list(context: RPCServerContext) async throws -> Keys {
        store.withLock { $0.keys.sorted() }
    }
}
