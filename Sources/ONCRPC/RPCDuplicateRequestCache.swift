public import NIOCore
import Synchronization

/// Remembers recent replies to datagram calls so that a retransmitted call gets the same reply
/// and its handler does not run twice (the "duplicate request cache" of NFS servers).
///
/// Entries are keyed by xid, peer, program, version, procedure and a checksum of the whole call,
/// and the oldest are evicted beyond ``capacity``.
public final class RPCDuplicateRequestCache: Sendable {
    /// Identifies one call.
    public struct Key: Hashable, Sendable {
        /// The transaction id.
        public var xid: UInt32
        /// The caller's address.
        public var peer: String
        /// Program, version and procedure.
        public var program: UInt32, version: UInt32, procedure: UInt32
        /// A checksum of the call's bytes.
        public var checksum: UInt64

        /// Creates the key of a call datagram from `peer`, or `nil` if it is too short to be a call.
        public init?(call: ByteBuffer, peer: String) {
            let start = call.readerIndex
            guard call.readableBytes >= 24,
                let xid = call.getInteger(at: start, endianness: .big, as: UInt32.self),
                let program = call.getInteger(at: start + 12, endianness: .big, as: UInt32.self),
                let version = call.getInteger(at: start + 16, endianness: .big, as: UInt32.self),
                let procedure = call.getInteger(at: start + 20, endianness: .big, as: UInt32.self)
            else { return nil }
            // FNV-1a over 8-byte words, then the remaining bytes: a retransmission is the same
            // bytes, so any well-mixed hash of them does (it only separates calls that share an
            // xid, a peer and a procedure).
            var hash: UInt64 = 0xCBF2_9CE4_8422_2325
            call.withUnsafeReadableBytes { bytes in
                var index = 0
                while index &+ 8 <= bytes.count {
                    hash = (hash ^ bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)) &* 0x0000_0100_0000_01B3
                    hash ^= hash &>> 32  // carries high-byte differences down into later words
                    index &+= 8
                }
                while index < bytes.count {
                    hash = (hash ^ UInt64(bytes[index])) &* 0x0000_0100_0000_01B3
                    index &+= 1
                }
            }
            self.xid = xid
            self.peer = peer
            self.program = program
            self.version = version
            self.procedure = procedure
            self.checksum = hash
        }

        /// Hashes the xid and the checksum only: the checksum already covers the call's bytes,
        /// and hashing the peer's text (Unicode-aware `String` hashing) cost more than the rest
        /// of a look-up. Equality still compares every field.
        public func hash(into hasher: inout Hasher) {
            hasher.combine(xid)
            hasher.combine(checksum)
        }
    }

    /// What the cache knows of a call.
    public enum Lookup: Sendable {
        /// A new call: run it, then ``complete(_:reply:)``.
        case new
        /// The same call is being handled now: drop the retransmission.
        case inProgress
        /// The call was answered: send this reply again.
        case replay(ByteBuffer)
    }

    private enum Entry {
        case inProgress
        case done(ByteBuffer)
    }

    private struct Storage {
        /// Each entry with the serial number of its insertion.
        var entries: [Key: (entry: Entry, serial: UInt64)] = [:]
        /// Insertions, oldest first from `head`; one whose serial no longer matches its entry is stale.
        var order: [(key: Key, serial: UInt64)] = []
        var head = 0
        var nextSerial: UInt64 = 0

        mutating func evict(downTo capacity: Int) {
            while entries.count > capacity, head < order.count {
                let (key, serial) = order[head]
                head += 1
                if let index = entries.index(forKey: key), entries.values[index].serial == serial {
                    entries.remove(at: index)
                }
            }
            // Drop what has been consumed or gone stale, so the log stays bounded.
            if order.count - head > 2 * capacity || head > capacity {
                order = order[head...].filter { entries[$0.key]?.serial == $0.serial }
                head = 0
            }
        }
    }

    public let capacity: Int
    private let storage = Mutex(Storage())

    /// Creates a cache of at most `capacity` calls.
    public init(capacity: Int = 1024) {
        self.capacity = max(1, capacity)
    }

    /// Looks `key` up, and marks it in progress when it is new.
    public func lookup(_ key: Key) -> Lookup {
        storage.withLock { storage in
            // One hash for the common case, a new call: insert, and put back what was there
            // in the rare case of a retransmission.
            let serial = storage.nextSerial
            if let existing = storage.entries.updateValue((.inProgress, serial), forKey: key) {
                storage.entries[key] = existing
                switch existing.entry {
                case .inProgress: return .inProgress
                case .done(let reply): return .replay(reply)
                }
            }
            storage.nextSerial += 1
            storage.order.append((key, serial))
            storage.evict(downTo: capacity)
            return .new
        }
    }

    /// Records the reply to `key` (or forgets the call when there is none, so that a
    /// retransmission runs it again).
    public func complete(_ key: Key, reply: ByteBuffer?) {
        storage.withLock { storage in
            guard let index = storage.entries.index(forKey: key) else { return }
            if let reply {
                storage.entries.values[index].entry = .done(reply)
            } else {
                storage.entries.remove(at: index)
            }
        }
    }

    /// The number of calls remembered.
    public var count: Int { storage.withLock { $0.entries.count } }
}
