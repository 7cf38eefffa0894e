/// The calls a client has in flight, by xid: an open-addressing hash table with linear probing.
///
/// A `Dictionary` hashes every key with SipHash, which costs more than the rest of a look-up
/// here. Xids come from a counter and are unique among the calls in flight, so a multiplicative
/// hash of the xid (Fibonacci hashing: the top bits of `xid × 2^32/φ`) spreads them evenly over
/// the slots. The table keeps at most half its slots full, and a removal shifts the entries
/// after it back (no tombstones), so a look-up stops at the first empty slot. Entries are moved
/// in and out of their slots, never copied.
struct XIDTable<Value> {
    private struct Entry {
        var xid: UInt32
        var value: Value
    }

    private var slots: [Entry?] = []
    /// `32 - log2(slots.count)`: the xid's hash is its product's top bits.
    private var shift: UInt32 = 32
    /// The number of entries.
    private(set) var count = 0

    init() {}

    var isEmpty: Bool { count == 0 }

    @inline(__always)
    private func home(of xid: UInt32) -> Int {
        Int(truncatingIfNeeded: (xid &* 0x9E37_79B9) >> shift)
    }

    /// The slot holding `xid`, or nil.
    @inline(__always)
    private func slot(of xid: UInt32) -> Int? {
        guard !slots.isEmpty else { return nil }
        let mask = slots.count - 1
        var index = home(of: xid)
        while let entry = slots[index] {
            if entry.xid == xid { return index }
            index = (index + 1) & mask
        }
        return nil
    }

    /// The value for `xid`; setting `nil` removes it.
    subscript(xid: UInt32) -> Value? {
        get { slot(of: xid).map { slots[$0]!.value } }
        set {
            if let newValue {
                updateValue(newValue, forKey: xid)
            } else {
                removeValue(forKey: xid)
            }
        }
    }

    /// Stores `value` for `xid`; returns the value it replaced, if any.
    @discardableResult
    mutating func updateValue(_ value: consuming Value, forKey xid: UInt32) -> Value? {
        if (count + 1) * 2 > slots.count {
            grow()
        }
        let mask = slots.count - 1
        var index = home(of: xid)
        while slots[index] != nil {
            if slots[index]!.xid == xid {
                let old = slots[index].take()!.value
                slots[index] = Entry(xid: xid, value: value)
                return old
            }
            index = (index + 1) & mask
        }
        slots[index] = Entry(xid: xid, value: value)
        count += 1
        return nil
    }

    /// Removes `xid`'s entry; returns its value, if there was one.
    @discardableResult
    mutating func removeValue(forKey xid: UInt32) -> Value? {
        guard var hole = slot(of: xid) else { return nil }
        let removed = slots[hole].take()!.value
        count -= 1
        // Entries after the hole whose probe passed through it move back into it, until an
        // empty slot ends the run.
        let mask = slots.count - 1
        var index = hole
        while true {
            index = (index + 1) & mask
            guard let entry = slots[index] else { break }
            let home = home(of: entry.xid)
            // The entry may stay if its home lies cyclically in (hole, index].
            let stays = hole <= index ? (hole < home && home <= index) : (hole < home || home <= index)
            if !stays {
                slots[hole] = slots[index].take()
                hole = index
            }
        }
        return removed
    }

    /// Removes every entry and returns them, in no particular order.
    mutating func removeAll() -> [(xid: UInt32, value: Value)] {
        var all: [(xid: UInt32, value: Value)] = []
        all.reserveCapacity(count)
        for index in slots.indices {
            if let entry = slots[index].take() {
                all.append((entry.xid, entry.value))
            }
        }
        count = 0
        return all
    }

    /// Calls `body` with each entry, in no particular order.
    func forEach(_ body: (_ xid: UInt32, _ value: Value) throws -> Void) rethrows {
        for case let entry? in slots {
            try body(entry.xid, entry.value)
        }
    }

    /// Doubles the slots (16 at first) and puts the entries back.
    private mutating func grow() {
        let old = slots
        let capacity = Swift.max(16, old.count * 2)
        slots = Array(repeating: nil, count: capacity)
        shift = UInt32(32 - capacity.trailingZeroBitCount)
        count = 0
        for case let entry? in old {
            updateValue(entry.value, forKey: entry.xid)
        }
    }
}
