/// The names rpcgen leaves to C headers, which real `.x` files use as if XDR defined them: auth
/// flavors as constants (RFC 5531 and the IANA registry) and C integer typedefs as types. A file
/// that defines one of these names itself keeps its own definition.
enum ClassicNames {
    /// The auth flavors of RFC 5531 §8.2 and the IANA registry (RFC 9289 adds `AUTH_TLS`).
    static let constants: [(String, Int64)] = [
        ("AUTH_NONE", 0), ("AUTH_NULL", 0), ("AUTH_SYS", 1), ("AUTH_UNIX", 1), ("AUTH_SHORT", 2),
        ("AUTH_DH", 3), ("AUTH_DES", 3), ("AUTH_KERB", 4), ("AUTH_RSA", 5), ("RPCSEC_GSS", 6), ("AUTH_TLS", 7),
    ]

    /// C integer typedef names and the XDR types rpcgen's C gives them.
    static let types: [String: TypeSpecifier] = [
        "int32": .int, "int32_t": .int,
        "uint32": .unsignedInt, "uint32_t": .unsignedInt, "u_int32": .unsignedInt, "u_int32_t": .unsignedInt,
        "uid_t": .unsignedInt, "gid_t": .unsignedInt,
        "int64": .hyper, "int64_t": .hyper, "quad_t": .hyper,
        "uint64": .unsignedHyper, "uint64_t": .unsignedHyper, "u_int64_t": .unsignedHyper, "u_quad_t": .unsignedHyper,
        "bool_t": .bool,
        // `xdr_wrapstring`: an unbounded string.
        "wrapstring": .string,
    ]

    /// `specification` with every use of a classic type name it does not define itself replaced
    /// by the XDR type, and `extra` (a user's `--type NAME=…` mappings) likewise.
    static func resolvingTypes(in specification: Specification, extra: [String: TypeSpecifier] = [:]) -> Specification {
        let defined = Set(specification.definitions.map(\.name))
        var table = types.filter { !defined.contains($0.key) }
        for (name, type) in extra where !defined.contains(name) {
            table[name] = type
        }
        guard !table.isEmpty else { return specification }
        var rewriter = Rewriter(table: table)
        return Specification(
            definitions: specification.definitions.map { rewriter.definition($0) },
            literalSpellings: specification.literalSpellings)
    }

    private struct Rewriter {
        let table: [String: TypeSpecifier]

        mutating func type(_ type: TypeSpecifier) -> TypeSpecifier {
            switch type {
            case .named(let name, let location):
                switch table[name] {
                case .named(let target, _)?: .named(target, location)  // reported where it is used
                case let mapped?: mapped
                case nil: type
                }
            case .inlineEnum: type
            case .inlineStruct(let body): .inlineStruct(self.body(body))
            case .inlineUnion(let body): .inlineUnion(self.body(body))
            default: type
            }
        }

        mutating func declaration(_ declaration: Declaration) -> Declaration {
            var result = declaration
            switch declaration.kind {
            case .void, .fixedOpaque, .variableOpaque, .string: break
            case .plain(let type):
                let resolved = self.type(type)
                result.kind = resolved == .string ? .string(nil) : .plain(resolved)
            case .fixedArray(let type, let size): result.kind = .fixedArray(self.type(type), size)
            case .variableArray(let type, let size): result.kind = .variableArray(self.type(type), size)
            case .optional(let type): result.kind = .optional(self.type(type))
            }
            return result
        }

        mutating func body(_ body: StructBody) -> StructBody {
            StructBody(fields: body.fields.map { declaration($0) })
        }

        mutating func body(_ body: UnionBody) -> UnionBody {
            var result = body
            result.discriminant = declaration(body.discriminant)
            result.arms = body.arms.map { arm in
                var arm = arm
                arm.declaration = declaration(arm.declaration)
                return arm
            }
            result.defaultArm = body.defaultArm.map { declaration($0) }
            return result
        }

        mutating func definition(_ definition: Definition) -> Definition {
            switch definition {
            case .constant, .stringConstant, .enumeration: return definition
            case .typedef(let declaration): return .typedef(self.declaration(declaration))
            case .structure(let name, let body, let location, let comment):
                return .structure(name: name, body: self.body(body), location: location, comment: comment)
            case .union(let name, let body, let location, let comment):
                return .union(name: name, body: self.body(body), location: location, comment: comment)
            case .program(let name, let number, let versions, let location, let comment):
                let versions = versions.map { version in
                    var version = version
                    version.procedures = version.procedures.map { procedure in
                        var procedure = procedure
                        procedure.arguments = procedure.arguments.map { type($0) }
                        procedure.result = procedure.result.map { type($0) }
                        return procedure
                    }
                    return version
                }
                return .program(name: name, number: number, versions: versions, location: location, comment: comment)
            }
        }
    }
}

extension TypeSpecifier {
    /// The type an XDR type name stands for: `int`, `unsigned int` (or `unsigned`), `hyper`,
    /// `unsigned hyper`, `bool`, `float`, `double`, `string`, or another name as a named type;
    /// `nil` for text that is not a type name.
    init?(xdrName: String, location: SourceLocation) {
        let words = xdrName.split(separator: " ").map(String.init)
        switch words {
        case ["int"], ["long"], ["short"], ["char"]: self = .int
        case ["unsigned", "int"], ["unsigned"], ["unsigned", "long"], ["u_int"], ["u_long"]: self = .unsignedInt
        case ["hyper"]: self = .hyper
        case ["unsigned", "hyper"]: self = .unsignedHyper
        case ["bool"]: self = .bool
        case ["float"]: self = .float
        case ["double"]: self = .double
        case ["string"]: self = .string
        case let name where name.count == 1 && Self.isIdentifier(name[0]):
            self = ClassicNames.types[name[0]] ?? .named(name[0], location)
        default: return nil
        }
    }

    private static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first == "_" || (first.properties.isAlphabetic && first.isASCII)
        else { return false }
        return text.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }
}
