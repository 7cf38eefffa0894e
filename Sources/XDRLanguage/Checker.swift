/// A specification whose names, constants and sizes have been checked and resolved.
public struct CheckedSpecification: Sendable {
    /// The definitions, in source order.
    public var specification: Specification
    /// The value of every constant and enum member.
    public var constants: [String: Int64]
    /// Every named type (typedef, enum, struct, union).
    public var types: [String: Definition]
    /// The `.x` file's header comment (its first comment, set apart from what follows).
    public var fileComment: String?
    /// The names defined by the other files of the unit (see
    /// ``XDRFrontEnd/compile(file:contents:macros:loadInclude:typeNames:unit:)``): known here,
    /// and generated from their own files.
    public var unitNames: Set<String> = []

    /// The definitions this file generates: all but those of the rest of its unit.
    public var ownDefinitions: [Definition] {
        unitNames.isEmpty ? specification.definitions : specification.definitions.filter { !unitNames.contains($0.name) }
    }

    /// The integer a value expression stands for (0 if it cannot be resolved, which the checker
    /// has already reported).
    public func value(_ expression: ValueExpression) -> Int64 {
        switch expression {
        case .literal(let value, _): value
        case .identifier(let name, _): constants[name] ?? 0
        }
    }
}

/// Checks a parsed specification: every name defined once and used as what it is, every size a
/// non-negative constant, union discriminants of the right types with distinct case values, no
/// type containing itself without optional indirection, distinct version and procedure numbers.
public struct Checker {
    private let specification: Specification
    private var diagnostics: [Diagnostic] = []
    private var constants: [String: Int64] = [:]
    private var types: [String: Definition] = [:]
    private var namesSeen: [String: SourceLocation] = [:]
    private var constantDefinitions: [String: (ValueExpression?, SourceLocation, previous: String?)] = [:]

    /// Creates a checker for `specification`.
    public init(_ specification: Specification) {
        self.specification = specification
    }

    /// Checks the specification; the result is `nil` when there are errors.
    public mutating func check() -> (CheckedSpecification?, [Diagnostic]) {
        collectNames()
        // The auth flavors rpcgen leaves to C headers, unless the file defines them.
        for (name, value) in ClassicNames.constants where namesSeen[name] == nil {
            constants[name] = value
        }
        resolveConstants()
        for definition in specification.definitions {
            checkDefinition(definition)
        }
        checkRecursion()
        let checked = CheckedSpecification(specification: specification, constants: constants, types: types)
        let hasErrors = diagnostics.contains { $0.severity == .error }
        return (hasErrors ? nil : checked, diagnostics)
    }

    private mutating func error(_ message: String, at location: SourceLocation) {
        diagnostics.append(Diagnostic(.error, message, at: location))
    }

    // MARK: Names

    private mutating func declare(_ name: String, at location: SourceLocation) {
        if let previous = namesSeen[name] {
            error("'\(name)' is defined twice (first at \(previous))", at: location)
        } else {
            namesSeen[name] = location
        }
    }

    private mutating func collectNames() {
        for definition in specification.definitions {
            switch definition {
            case .constant(let name, let value, let location, _):
                declare(name, at: location)
                constantDefinitions[name] = (value, location, nil)
            case .stringConstant(let name, _, let location, _):
                declare(name, at: location)
            case .typedef(let declaration):
                declare(declaration.name ?? "", at: declaration.location)
                types[declaration.name ?? ""] = definition
                collectInline(declaration)
            case .enumeration(let name, let body, let location, _):
                declare(name, at: location)
                types[name] = definition
                collectMembers(body)
            case .structure(let name, let body, let location, _):
                declare(name, at: location)
                types[name] = definition
                body.fields.forEach { collectInline($0) }
            case .union(let name, let body, let location, _):
                declare(name, at: location)
                types[name] = definition
                collectInline(body.discriminant)
                body.arms.forEach { collectInline($0.declaration) }
                body.defaultArm.map { collectInline($0) }
            case .program(let name, _, let versions, let location, _):
                declare(name, at: location)
                // rpcgen makes program, version and procedure names C constants; files use them.
                if constantDefinitions[name] == nil, case .program(_, let number, _, _, _) = definition {
                    constantDefinitions[name] = (number, location, nil)
                }
                for version in versions {
                    declare(version.name, at: version.location)
                    if constantDefinitions[version.name] == nil {
                        constantDefinitions[version.name] = (version.number, version.location, nil)
                    }
                    var procedureNames: [String: SourceLocation] = [:]
                    for procedure in version.procedures {
                        if constantDefinitions[procedure.name] == nil, namesSeen[procedure.name] == nil {
                            constantDefinitions[procedure.name] = (procedure.number, procedure.location, nil)
                        }
                        // The same procedure name may appear in several versions, as in rpcgen.
                        if let previous = procedureNames[procedure.name] {
                            error(
                                "procedure '\(procedure.name)' is defined twice (first at \(previous))",
                                at: procedure.location)
                        }
                        procedureNames[procedure.name] = procedure.location
                    }
                }
            }
        }
    }

    private mutating func collectMembers(_ body: EnumBody) {
        var previous: String?
        for member in body.members {
            declare(member.name, at: member.location)
            constantDefinitions[member.name] = (member.value, member.location, previous)
            previous = member.name
        }
    }

    private mutating func collectInline(_ declaration: Declaration) {
        switch declaration.kind {
        case .plain(let type), .fixedArray(let type, _), .variableArray(let type, _), .optional(let type):
            switch type {
            case .inlineEnum(let body): collectMembers(body)
            case .inlineStruct(let body): body.fields.forEach { collectInline($0) }
            case .inlineUnion(let body):
                collectInline(body.discriminant)
                body.arms.forEach { collectInline($0.declaration) }
                body.defaultArm.map { collectInline($0) }
            default: break
            }
        default: break
        }
    }

    // MARK: Constants

    private mutating func resolveConstants() {
        var resolving: Set<String> = []
        for name in constantDefinitions.keys.sorted() {
            _ = resolveConstant(name, resolving: &resolving)
        }
    }

    private mutating func resolveConstant(_ name: String, resolving: inout Set<String>) -> Int64? {
        if let value = constants[name] { return value }
        guard let (expression, location, previous) = constantDefinitions[name] else { return nil }
        guard resolving.insert(name).inserted else {
            error("constant '\(name)' is defined in terms of itself", at: location)
            return nil
        }
        defer { resolving.remove(name) }
        let value: Int64?
        switch expression {
        case .literal(let literal, _)?:
            value = literal
        case .identifier(let other, let at)?:
            if let resolved = resolveConstant(other, resolving: &resolving) {
                value = resolved
            } else {
                if constantDefinitions[other] == nil {
                    error(
                        types[other] != nil
                            ? "'\(other)' is a type, not a constant" : Self.undefinedConstant(other, what: nil),
                        at: at)
                }
                value = nil
            }
        case nil:
            if let previous {
                value = resolveConstant(previous, resolving: &resolving).map { $0 &+ 1 }
            } else {
                value = 0
            }
        }
        if let value { constants[name] = value }
        return value
    }

    /// The error for a constant that nothing defines, with what to pass if a C header does.
    static func undefinedConstant(_ name: String, what: String?) -> String {
        "'\(name)' is not defined\(what.map { " (\($0))" } ?? ""); rpcgen leaves it to a C header:"
            + " pass -D \(name)=<value>, or the header with --macros-from"
    }

    private mutating func checkValue(_ expression: ValueExpression, what: String) -> Int64? {
        switch expression {
        case .literal(let value, _):
            return value
        case .identifier(let name, let location):
            if let value = constants[name] { return value }
            if constantDefinitions[name] == nil {
                error(
                    types[name] != nil
                        ? "'\(name)' is a type, not a constant (\(what))" : Self.undefinedConstant(name, what: what),
                    at: location)
            }
            return nil
        }
    }

    private mutating func checkSize(_ expression: ValueExpression?, what: String) {
        guard let expression, let value = checkValue(expression, what: what) else { return }
        if value < 0 || value > Int64(UInt32.max) {
            error("\(what) must be between 0 and 4294967295, not \(value)", at: expression.location)
        }
    }

    // MARK: Definitions

    private mutating func checkDefinition(_ definition: Definition) {
        switch definition {
        case .constant, .stringConstant:
            break
        case .typedef(let declaration):
            checkDeclaration(declaration)
        case .enumeration(_, let body, _, _):
            checkEnum(body)
        case .structure(_, let body, _, _):
            checkStruct(body)
        case .union(_, let body, _, _):
            checkUnion(body)
        case .program(_, let number, let versions, _, _):
            _ = checkValue(number, what: "program number")
            var versionNumbers: [Int64: String] = [:]
            for version in versions {
                if let value = checkValue(version.number, what: "version number") {
                    if let other = versionNumbers[value] {
                        error(
                            "version number \(value) is used by '\(other)' and '\(version.name)'",
                            at: version.number.location)
                    }
                    versionNumbers[value] = version.name
                }
                var procedureNumbers: [Int64: String] = [:]
                for procedure in version.procedures {
                    if let value = checkValue(procedure.number, what: "procedure number") {
                        if let other = procedureNumbers[value] {
                            error(
                                "procedure number \(value) is used by '\(other)' and '\(procedure.name)'",
                                at: procedure.number.location)
                        }
                        procedureNumbers[value] = procedure.name
                    }
                    procedure.arguments.forEach { checkType($0) }
                    procedure.result.map { checkType($0) }
                }
            }
        }
    }

    private mutating func checkEnum(_ body: EnumBody) {
        for member in body.members {
            if let value = member.value {
                _ = checkValue(value, what: "enum value")
            }
            if let value = constants[member.name], value < Int64(Int32.min) || value > Int64(Int32.max) {
                error("enum value \(value) of '\(member.name)' does not fit in an int", at: member.location)
            }
        }
    }

    private mutating func checkStruct(_ body: StructBody) {
        var fieldNames: [String: SourceLocation] = [:]
        for field in body.fields {
            if case .void = field.kind {
                error("a struct field cannot be void", at: field.location)
                continue
            }
            if let name = field.name {
                if let previous = fieldNames[name] {
                    error("field '\(name)' is declared twice (first at \(previous))", at: field.location)
                }
                fieldNames[name] = field.location
            }
            checkDeclaration(field)
        }
    }

    private mutating func checkUnion(_ body: UnionBody) {
        checkDeclaration(body.discriminant)
        switch body.discriminant.kind {
        case .plain(let type):
            let resolved = resolveTypeSpecifier(type)
            switch resolved {
            case .int, .unsignedInt, .bool, .inlineEnum: break
            case .named(let name, _):
                if case .enumeration? = types[name] { break }
                error("a union discriminant must be int, unsigned int, bool or an enum", at: body.discriminant.location)
            default:
                error("a union discriminant must be int, unsigned int, bool or an enum", at: body.discriminant.location)
            }
        default:
            error(
                "a union discriminant must be a plain int, unsigned int, bool or enum", at: body.discriminant.location)
        }
        var seen: [Int64: SourceLocation] = [:]
        for arm in body.arms {
            for label in arm.labels {
                let value: Int64?
                if case .identifier(let name, _) = label, name == "TRUE" || name == "FALSE", constants[name] == nil {
                    value = name == "TRUE" ? 1 : 0
                } else {
                    value = checkValue(label, what: "case label")
                }
                guard let value else { continue }
                if let previous = seen[value] {
                    error("case value \(value) is used twice in the union (first at \(previous))", at: label.location)
                }
                seen[value] = label.location
            }
            checkDeclaration(arm.declaration)
        }
        body.defaultArm.map { checkDeclaration($0) }
    }

    /// Follows typedefs of a type specifier to a non-typedef one.
    private func resolveTypeSpecifier(_ type: TypeSpecifier) -> TypeSpecifier {
        var current = type
        var seen: Set<String> = []
        while case .named(let name, _) = current, case .typedef(let declaration)? = types[name],
            case .plain(let next) = declaration.kind, seen.insert(name).inserted
        {
            current = next
        }
        return current
    }

    private mutating func checkType(_ type: TypeSpecifier) {
        switch type {
        case .named(let name, let location):
            if types[name] == nil {
                error(
                    constantDefinitions[name] != nil
                        ? "'\(name)' is a constant, not a type"
                        : "type '\(name)' is not defined; if a C header defines it (rpcgen leaves such names to"
                            + " one), pass --type \(name)=<XDR type>; if another .x file defines it, compile the"
                            + " files together (swift-rpcgen a.x b.x, --unit other.x or --use-module MODULE=other.x)",
                    at: location)
            }
        case .inlineEnum(let body): checkEnum(body)
        case .inlineStruct(let body): checkStruct(body)
        case .inlineUnion(let body): checkUnion(body)
        default: break
        }
    }

    private mutating func checkDeclaration(_ declaration: Declaration) {
        switch declaration.kind {
        case .void: break
        case .plain(let type), .optional(let type): checkType(type)
        case .fixedArray(let type, let size):
            checkType(type)
            checkSize(size, what: "array size")
        case .variableArray(let type, let maximum):
            checkType(type)
            checkSize(maximum, what: "array maximum")
        case .fixedOpaque(let size): checkSize(size, what: "opaque size")
        case .variableOpaque(let maximum): checkSize(maximum, what: "opaque maximum")
        case .string(let maximum): checkSize(maximum, what: "string maximum")
        }
    }

    // MARK: Recursion

    /// A type may refer to itself only through optional data, a variable-length array, or a
    /// union (whose other arms end the value).
    private mutating func checkRecursion() {
        var edges: [String: [(String, SourceLocation)]] = [:]
        func direct(_ declaration: Declaration, into list: inout [(String, SourceLocation)]) {
            switch declaration.kind {
            case .plain(let type), .fixedArray(let type, _):
                switch type {
                case .named(let name, let location): list.append((name, location))
                case .inlineStruct(let body): body.fields.forEach { direct($0, into: &list) }
                case .inlineUnion(let body):
                    body.arms.forEach { direct($0.declaration, into: &list) }
                    body.defaultArm.map { direct($0, into: &list) }
                default: break
                }
            default: break
            }
        }
        for (name, definition) in types {
            var list: [(String, SourceLocation)] = []
            switch definition {
            case .typedef(let declaration): direct(declaration, into: &list)
            case .structure(_, let body, _, _): body.fields.forEach { direct($0, into: &list) }
            case .union(_, let body, _, _):
                body.arms.forEach { direct($0.declaration, into: &list) }
                body.defaultArm.map { direct($0, into: &list) }
            default: break
            }
            edges[name] = list
        }
        var state: [String: Int] = [:]  // 1 visiting, 2 done
        var reported: Set<String> = []
        func visit(_ name: String, path: [String]) {
            if state[name] == 2 { return }
            if state[name] == 1 {
                if let start = path.firstIndex(of: name), reported.insert(name).inserted {
                    let cycle = path[start...] + [name]
                    // Through a union the value can end (an arm of another type ends it, as
                    // Stellar's SCSpecTypeDef does); the union is generated as an indirect enum.
                    if cycle.contains(where: { if case .union? = types[$0] { true } else { false } }) { return }
                    error(
                        "'\(name)' contains itself (\(cycle.joined(separator: " -> "))); use optional data ('*') to break the cycle",
                        at: types[name]?.location ?? SourceLocation(file: "", line: 1, column: 1))
                }
                return
            }
            state[name] = 1
            for (next, _) in edges[name] ?? [] where types[next] != nil {
                visit(next, path: path + [name])
            }
            state[name] = 2
        }
        for name in types.keys.sorted() {
            visit(name, path: [])
        }
    }
}

/// Reads, preprocesses, parses and checks one `.x` file.
public enum XDRFrontEnd {
    /// Types that rpcgen's C gets from libtirpc rather than from a `.x` file, as XDR would
    /// define them: `netobj` is `opaque<1024>` (`xdr_netobj`, `MAX_NETOBJ_SZ`).
    static func addLibraryTypes(to specification: inout Specification, tokens: [Token], file: String) {
        let defined = Set(specification.definitions.map(\.name))
        let location = SourceLocation(file: file, line: 1, column: 1)
        let library: [(String, DeclarationKind, String)] = [
            (
                "netobj", .variableOpaque(.literal(1024, location)),
                "libtirpc's `netobj`: opaque data of at most 1024 bytes."
            ),
            ("des_block", .fixedOpaque(.literal(8, location)), "libtirpc's `des_block`: 8 bytes."),
        ]
        if !defined.contains("netbuf"), tokens.contains(where: { $0.kind == .identifier("netbuf") }) {
            // `xdr_netbuf`: the buffer's maximum length, then its bytes.
            let netbuf = StructBody(fields: [
                Declaration(name: "maxlen", kind: .plain(.unsignedInt), location: location),
                Declaration(name: "buf", kind: .variableOpaque(nil), location: location),
            ])
            specification.definitions.insert(
                .structure(name: "netbuf", body: netbuf, location: location, comment: "libtirpc's `struct netbuf`."),
                at: 0)
        }
        if !defined.contains("authsys_parms"), tokens.contains(where: { $0.kind == .identifier("authsys_parms") }) {
            // RFC 5531 §14's AUTH_SYS body, which NFSv4 files use (RPCSEC_GSS callbacks) and
            // rpcgen's C takes from <rpc/auth_unix.h>.
            let authsys = StructBody(fields: [
                Declaration(name: "stamp", kind: .plain(.unsignedInt), location: location),
                Declaration(name: "machinename", kind: .string(.literal(255, location)), location: location),
                Declaration(name: "uid", kind: .plain(.unsignedInt), location: location),
                Declaration(name: "gid", kind: .plain(.unsignedInt), location: location),
                Declaration(name: "gids", kind: .variableArray(.unsignedInt, .literal(16, location)), location: location),
            ])
            specification.definitions.insert(
                .structure(
                    name: "authsys_parms", body: authsys, location: location,
                    comment: "RFC 5531's `struct authsys_parms` (AUTH_SYS credentials)."),
                at: 0)
        }
        for (name, kind, comment) in library.reversed()
        where !defined.contains(name) && tokens.contains(where: { $0.kind == .identifier(name) }) {
            specification.definitions.insert(
                .typedef(Declaration(name: name, kind: kind, location: location, comment: comment)), at: 0)
        }
    }

    /// Compiles `contents` of `file` up to a checked specification. `typeNames` maps type names
    /// the file uses but does not define (left by rpcgen to a C header) to XDR types: `int`,
    /// `unsigned int`, `hyper`, `unsigned hyper`, `bool`, `float`, `double`, `string`, or the
    /// name of a type the file defines. `unit` holds the other `.x` files compiled with this one
    /// (the files of one plugin target, or of one swift-rpcgen run): their definitions are known
    /// here and listed in ``CheckedSpecification/unitNames``, and each is generated from its own
    /// file. Throws ``CompilationFailed`` with every diagnostic when there is an error; otherwise
    /// returns the specification and its notes and warnings.
    public static func compile(
        file: String,
        contents: String,
        macros: [String: String] = ["RPC_HDR": "1"],
        loadInclude: @escaping Preprocessor.IncludeLoader = { _, _ in nil },
        typeNames: [String: String] = [:],
        unit: [(file: String, contents: String)] = []
    ) throws(CompilationFailed) -> (CheckedSpecification, [Diagnostic]) {
        // The other files of the unit first: their definitions are known to this one (a type of
        // theirs may be used here), and each definition is generated by one file of the unit:
        // the file that writes it, or, for one in a file outside the unit that several include,
        // the first of them by path. Library types (netobj…) go to the first file that uses them.
        var unitDefinitions: [Definition] = []
        var diagnostics: [Diagnostic] = []
        var reachedBy: [DefinitionKey: String] = [:]
        var libraryUsers: [String: String] = [:]
        let unitFiles = Set(unit.map(\.file)).union([file])
        func note(_ definitions: [Definition], from reacher: String) {
            for definition in definitions {
                let key = DefinitionKey(definition)
                if let earlier = reachedBy[key], earlier < reacher { continue }
                reachedBy[key] = reacher
            }
        }
        for other in unit where other.file != file {
            var preprocessor = Preprocessor(macros: macros, loadInclude: loadInclude)
            let (tokens, lexical) = preprocessor.tokenize(file: other.file, contents: other.contents)
            var parser = Parser(tokens: tokens)
            var (specification, syntax) = parser.parse()
            // Their errors are reported when they are compiled.
            diagnostics += (lexical + syntax).filter { $0.severity == .error }
            note(specification.definitions, from: other.file)
            let parsed = Set(specification.definitions.map(\.name))
            addLibraryTypes(to: &specification, tokens: tokens, file: other.file)
            for name in Set(specification.definitions.map(\.name)).subtracting(parsed) {
                libraryUsers[name] = min(libraryUsers[name] ?? other.file, other.file)
            }
            // Once each, so that a type of theirs that uses a library type is complete here.
            let known = Set(unitDefinitions.map { DefinitionKey($0) })
            let knownNames = Set(unitDefinitions.map(\.name))
            unitDefinitions += specification.definitions.filter {
                !known.contains(DefinitionKey($0)) && (parsed.contains($0.name) || !knownNames.contains($0.name))
            }
        }
        var preprocessor = Preprocessor(macros: macros, loadInclude: loadInclude)
        let (tokens, lexical) = preprocessor.tokenize(file: file, contents: contents)
        let mainFileComment = preprocessor.fileComment
        var parser = Parser(tokens: tokens)
        var (specification, syntax) = parser.parse()
        note(specification.definitions, from: file)
        let fromUnit = Set(unitDefinitions.map { DefinitionKey($0) })
        let parsedHere = Set(specification.definitions.map(\.name))
        specification.definitions =
            unitDefinitions + specification.definitions.filter { !fromUnit.contains(DefinitionKey($0)) }
        let before = Set(specification.definitions.map(\.name))
        addLibraryTypes(to: &specification, tokens: tokens, file: file)
        for name in Set(specification.definitions.map(\.name)).subtracting(before) {
            libraryUsers[name] = min(libraryUsers[name] ?? file, file)
        }
        for library in ["netobj", "des_block", "netbuf", "authsys_parms"] where !parsedHere.contains(library) {
            if tokens.contains(where: { $0.kind == .identifier(library) }) {
                libraryUsers[library] = min(libraryUsers[library] ?? file, file)
            }
        }
        var unitNames = Set<String>()
        for (key, reacher) in reachedBy {
            let owner = unitFiles.contains(key.location.file) ? key.location.file : reacher
            if owner != file { unitNames.insert(key.name) }
        }
        for (name, user) in libraryUsers where user != file && !parsedHere.contains(name) {
            unitNames.insert(name)
        }
        diagnostics += lexical + syntax
        var extra: [String: TypeSpecifier] = [:]
        for (name, type) in typeNames {
            guard let resolved = TypeSpecifier(xdrName: type, location: SourceLocation(file: file, line: 1, column: 1))
            else {
                diagnostics.append(
                    Diagnostic(
                        .error, "--type \(name)=\(type): '\(type)' is not an XDR type name",
                        at: SourceLocation(file: file, line: 1, column: 1)))
                continue
            }
            extra[name] = resolved
        }
        specification = ClassicNames.resolvingTypes(in: specification, extra: extra)
        if diagnostics.contains(where: { $0.severity == .error }) {
            throw CompilationFailed(diagnostics: diagnostics)
        }
        var checker = Checker(specification)
        let (checked, semantic) = checker.check()
        diagnostics += semantic
        guard var checked else {
            throw CompilationFailed(diagnostics: diagnostics)
        }
        checked.unitNames = unitNames
        checked.fileComment = mainFileComment
        return (checked, diagnostics)
    }
}

/// A definition's identity across the files of a unit: its name and where it is written.
private struct DefinitionKey: Hashable {
    var name: String
    var location: SourceLocation

    init(_ definition: Definition) {
        name = definition.name
        location = definition.location
    }
}
