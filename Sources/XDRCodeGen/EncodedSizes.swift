import XDRLanguage

/// The largest XDR encoding of each type of a specification, worked out from its declarations
/// as the Linux kernel's xdrgen does for its `_sz` constants: a type is bounded when nothing in
/// it is variable-length without a maximum (`string<>`, `opaque<>`, `T x<>`) and it does not
/// reach itself. Sizes above `UInt32.max` count as unbounded, as no record holds them.
struct EncodedSizes {
    let specification: CheckedSpecification
    /// Sizes found so far, by `.x` type name (`nil`: unbounded).
    private var known: [String: Int?] = [:]
    /// The types whose size is being worked out: meeting one again is recursion.
    private var inProgress: Set<String> = []

    init(specification: CheckedSpecification) {
        self.specification = specification
    }

    /// The largest encoding of a value of `type`, or `nil` when it has none.
    mutating func maximum(of type: TypeSpecifier) -> Int? {
        switch type {
        case .int, .unsignedInt, .float, .bool: return 4
        case .hyper, .unsignedHyper, .double: return 8
        case .quadruple: return 16
        case .string: return nil
        case .inlineEnum: return 4
        case .inlineStruct(let body): return maximum(of: body)
        case .inlineUnion(let body): return maximum(of: body)
        case .named(let name, _): return maximum(ofTypeNamed: name)
        }
    }

    /// The largest encoding of the type the `.x` names `name`.
    mutating func maximum(ofTypeNamed name: String) -> Int? {
        if let size = known[name] { return size }
        guard let definition = specification.types[name], inProgress.insert(name).inserted else {
            // Undefined (already diagnosed), or met again while being sized: recursion.
            return nil
        }
        let size: Int?
        switch definition {
        case .enumeration: size = 4
        case .structure(_, let body, _, _): size = maximum(of: body)
        case .union(_, let body, _, _): size = maximum(of: body)
        case .typedef(let declaration): size = maximum(of: declaration.kind)
        case .constant, .stringConstant, .program: size = nil
        }
        inProgress.remove(name)
        known[name] = size
        return size
    }

    /// The largest encoding of what a declaration declares.
    mutating func maximum(of kind: DeclarationKind) -> Int? {
        switch kind {
        case .void: return 0
        case .plain(let type): return maximum(of: type)
        case .optional(let type): return maximum(of: type).flatMap { Self.sum(4, $0) }
        case .fixedArray(let type, let count):
            return maximum(of: type).flatMap { Self.product(specification.value(count), $0) }
        case .variableArray(let type, let count):
            guard let count else { return nil }
            return maximum(of: type).flatMap { Self.product(specification.value(count), $0) }.flatMap { Self.sum(4, $0) }
        case .fixedOpaque(let size): return Self.padded(specification.value(size))
        case .variableOpaque(let maximum), .string(let maximum):
            guard let maximum else { return nil }
            return Self.padded(specification.value(maximum)).flatMap { Self.sum(4, $0) }
        }
    }

    /// A struct: its fields, one after another.
    mutating func maximum(of body: StructBody) -> Int? {
        var total = 0
        for field in body.fields {
            guard let size = maximum(of: field.kind), let sum = Self.sum(total, size) else { return nil }
            total = sum
        }
        return total
    }

    /// A union: its discriminant, then its largest arm.
    mutating func maximum(of body: UnionBody) -> Int? {
        var largest = 0
        for declaration in body.arms.map(\.declaration) + (body.defaultArm.map { [$0] } ?? []) {
            guard let size = maximum(of: declaration.kind) else { return nil }
            largest = max(largest, size)
        }
        return maximum(of: body.discriminant.kind).flatMap { Self.sum($0, largest) }
    }

    /// Procedure arguments: each in turn (several with rpcgen -N).
    mutating func maximum(ofArguments arguments: [TypeSpecifier]) -> Int? {
        var total = 0
        for argument in arguments {
            guard let size = maximum(of: argument), let sum = Self.sum(total, size) else { return nil }
            total = sum
        }
        return total
    }

    /// The limit past which a size counts as unbounded.
    static let limit = Int(UInt32.max)

    static func sum(_ a: Int, _ b: Int) -> Int? {
        a <= limit - b ? a + b : nil
    }

    static func product(_ count: Int64, _ size: Int) -> Int? {
        guard count >= 0, count <= Int64(limit) else { return nil }
        let (result, overflow) = Int(count).multipliedReportingOverflow(by: size)
        return !overflow && result <= limit ? result : nil
    }

    /// `count` bytes and their padding to a multiple of four.
    static func padded(_ count: Int64) -> Int? {
        guard count >= 0, count <= Int64(limit) - 3 else { return nil }
        return Int((count + 3) / 4 * 4)
    }
}
