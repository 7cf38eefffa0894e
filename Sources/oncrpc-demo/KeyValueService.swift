import NIOCore
import ONCRPC
import Synchronization
import XDR

/// The server side of the key-value protocol: a dictionary behind a mutex.
final class KeyValueService: RPCService {
    let program = KeyValue.program
    let version = KeyValue.version
    private let store = Mutex<[String: ByteBuffer]>([:])

    var methods: [RPCMethod] {
        [
            RPCMethod(procedure: KeyValue.put.procedure, name: KeyValue.put.name) { (pair: KeyValue.Pair, _) in
                self.store.withLock { $0.updateValue(pair.value, forKey: pair.key) == nil }
            },
            RPCMethod(procedure: KeyValue.get.procedure, name: KeyValue.get.name) { (key: KeyValue.Key, _) in
                self.store.withLock { $0[key.name] }.map(KeyValue.Lookup.found) ?? .notFound
            },
            RPCMethod(procedure: KeyValue.delete.procedure, name: KeyValue.delete.name) { (key: KeyValue.Key, _) in
                self.store.withLock { $0.removeValue(forKey: key.name) != nil }
            },
            RPCMethod(procedure: KeyValue.list.procedure, name: KeyValue.list.name) { (_: XDRVoid, _) in
                KeyValue.Keys(self.store.withLock { $0.keys.sorted() })
            },
        ]
    }
}
