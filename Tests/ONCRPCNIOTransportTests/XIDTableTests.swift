import Testing

@testable import ONCRPCNIOTransport

@Suite("The client's table of calls in flight")
struct XIDTableTests {
    /// A deterministic generator (a 64-bit linear congruential one, its high bits taken), so a
    /// failure can be replayed.
    struct Congruential: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 32 | state << 32
        }
    }

    /// Compares the table with a dictionary after every one of many random insertions,
    /// replacements and removals, over key sets that collide a lot (few distinct keys, and
    /// sequential xids as a client makes them).
    @Test(arguments: [UInt32(40), 300, 5000])
    func behavesAsADictionary(keySpace: UInt32) {
        var random = Congruential(state: UInt64(keySpace))
        var table = XIDTable<Int>()
        var model: [UInt32: Int] = [:]
        let base = UInt32.random(in: 0...UInt32.max, using: &random)
        for step in 0..<20_000 {
            let xid = base &+ UInt32.random(in: 0..<keySpace, using: &random)
            switch Int.random(in: 0..<3, using: &random) {
            case 0, 1:
                #expect(table.updateValue(step, forKey: xid) == model.updateValue(step, forKey: xid))
            default:
                #expect(table.removeValue(forKey: xid) == model.removeValue(forKey: xid))
            }
            #expect(table.count == model.count)
            if step % 97 == 0 {
                // Every key present is found, and nothing else.
                for probe in 0..<keySpace {
                    #expect(table[base &+ probe] == model[base &+ probe])
                }
                var seen: [UInt32: Int] = [:]
                table.forEach { xid, value in seen[xid] = value }
                #expect(seen == model)
            }
        }
        let all = table.removeAll()
        #expect(Dictionary(uniqueKeysWithValues: all.map { ($0.xid, $0.value) }) == model)
        #expect(table.isEmpty && table[base] == nil)
    }

    @Test func subscriptSetsAndRemoves() {
        var table = XIDTable<String>()
        table[7] = "seven"
        table[UInt32.max] = "max"
        #expect(table[7] == "seven" && table[UInt32.max] == "max" && table.count == 2)
        table[7] = nil
        #expect(table[7] == nil && table[UInt32.max] == "max" && table.count == 1)
    }
}
