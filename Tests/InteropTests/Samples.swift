import NIOCore

// The Swift types used here (Record, Value, Status, Node, …) are generated from xdr/interop.x
// at build time by the swift-rpcgen plugin (see swift-rpcgen-config.json).

/// The canonical sample records of xdr/interop.x: the same values as
/// Interop/interop/samples.c builds in C.
enum Samples {
    /// How many samples both sides know.
    static let count: UInt32 = 3

    static func bytes(_ values: some Sequence<UInt8>) -> ByteBuffer { ByteBuffer(bytes: Array(values)) }

    /// Sample number `index`: 0 has every bound at its maximum and extreme values, 1 is all
    /// zero and empty, 2 has a 100-node chain and odd-length opaque data.
    static func sample(_ index: UInt32) -> Record {
        switch index {
        case 0:
            let nodes = Node(
                label: "first", payload: .intValue(1),
                next: Node(label: "second", payload: .nameValue("two"), next: Node(label: "third", payload: .valueNone, next: nil)))
            return Record(
                id: .max, delta: .min, offset: .min, size: .max, active: true, ratio: -0.15625, weight: 6.02214076e23,
                tint: .colorInfrared, sum: bytes((0..<16).map { UInt8(($0 * 17) & 0xff) }),
                title: String((0..<255).map { Character(Unicode.Scalar(UInt8(ascii: "a") + UInt8($0 % 26))) }),
                cookie: bytes((0..<64).map { UInt8(255 - $0) }), vector: [.min, -1, 0, .max],
                numbers: (0..<100).map { Int32($0 * $0 - 5000) }, corners: [Point(x: 1, y: -2), Point(x: -3, y: 4)],
                primary: .points((0..<3).map { Point(x: Int32($0 * 10), y: Int32(-$0)) }),
                extras: [
                    .valueNone, .intValue(-7), .hyperValue(1 << 40), .nameValue("naïve"), .points([]),
                    .raw(discriminant: 9, bytes(0..<16)), .raw(discriminant: -3, ByteBuffer()), .intValue(.max),
                ],
                state: .level(-2.5), origin: Point(x: 100, y: -100), nodes: nodes)
        case 1:
            return Record(
                id: 0, delta: 0, offset: 0, size: 0, active: false, ratio: 0, weight: 0, tint: .colorRed,
                sum: bytes(repeatElement(0, count: 16)), title: "", cookie: ByteBuffer(), vector: [0, 0, 0, 0],
                numbers: [], corners: [Point(x: 0, y: 0), Point(x: 0, y: 0)], primary: .valueNone, extras: [],
                state: .other(discriminant: 3), origin: nil, nodes: nil)
        case 2:
            var chain: Node? = nil
            for i in (0..<100).reversed() {
                chain = Node(
                    label: "node-\(i)", payload: i % 2 == 0 ? .intValue(Int32(i)) : .hyperValue(Int64(-i)), next: chain)
            }
            return Record(
                id: 2, delta: -2, offset: 1 << 33, size: 12_345_678_901_234, active: true, ratio: 1.5, weight: -0.1,
                tint: .colorUltraviolet, sum: bytes(0..<16), title: "sample two", cookie: bytes([1, 2, 3]),
                vector: [1, 2, 3, 4], numbers: Array(1...10), corners: [Point(x: 0, y: 0), Point(x: 7, y: 7)],
                primary: .hyperValue(-1), extras: [.intValue(2), .nameValue("")], state: .flag(discriminant: 2, true),
                origin: Point(x: 0, y: 0), nodes: chain)
        default:
            preconditionFailure("no sample \(index)")
        }
    }

    /// The first field in which `a` and `b` differ, spelled as samples.c spells it, or nil.
    /// Floating-point fields are compared bit for bit.
    static func firstDifference(_ a: Record, _ b: Record) -> String? {
        if a.id != b.id { return "id (\(a.id) != \(b.id))" }
        if a.delta != b.delta { return "delta (\(a.delta) != \(b.delta))" }
        if a.offset != b.offset { return "offset" }
        if a.size != b.size { return "size" }
        if a.active != b.active { return "active" }
        if a.ratio.bitPattern != b.ratio.bitPattern { return "ratio (\(a.ratio) != \(b.ratio))" }
        if a.weight.bitPattern != b.weight.bitPattern { return "weight (\(a.weight) != \(b.weight))" }
        if a.tint != b.tint { return "tint (\(a.tint.rawValue) != \(b.tint.rawValue))" }
        if a.sum != b.sum { return "sum" }
        if a.title != b.title { return "title" }
        if a.cookie != b.cookie { return "cookie" }
        if a.vector != b.vector { return "vector" }
        if a.numbers.count != b.numbers.count { return "numbers.length" }
        if let i = a.numbers.indices.first(where: { a.numbers[$0] != b.numbers[$0] }) { return "numbers[\(i)]" }
        if let i = a.corners.indices.first(where: { a.corners[$0] != b.corners[$0] }) { return "corners[\(i)]" }
        if let why = valueDifference(a.primary, b.primary, "primary") { return why }
        if a.extras.count != b.extras.count { return "extras.length" }
        for i in a.extras.indices {
            if let why = valueDifference(a.extras[i], b.extras[i], "extras[\(i)]") { return why }
        }
        if a.state != b.state { return "state" }
        if a.origin != b.origin { return "origin" }
        var (m, n, i) = (a.nodes, b.nodes, 0)
        while m != nil || n != nil {
            guard let left = m, let right = n else { return "nodes: length differs at node \(i)" }
            if left.label != right.label { return "nodes[\(i)].label" }
            if let why = valueDifference(left.payload, right.payload, "nodes[\(i)].payload") { return why }
            (m, n, i) = (left.next, right.next, i + 1)
        }
        return nil
    }

    static func valueDifference(_ a: Value, _ b: Value, _ path: String) -> String? {
        switch (a, b) {
        case (.valueNone, .valueNone): return nil
        case (.intValue(let x), .intValue(let y)): return x == y ? nil : "\(path).int_value"
        case (.hyperValue(let x), .hyperValue(let y)): return x == y ? nil : "\(path).hyper_value"
        case (.nameValue(let x), .nameValue(let y)): return x == y ? nil : "\(path).name_value"
        case (.points(let x), .points(let y)): return x == y ? nil : "\(path).points"
        case (.raw(let d, let x), .raw(let e, let y)): return d != e ? "\(path).kind" : x == y ? nil : "\(path).raw"
        default: return "\(path).kind"
        }
    }
}
