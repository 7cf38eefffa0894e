/// Parses the tokens of a `.x` file into a ``Specification`` (RFC 4506 §6.3 and RFC 5531 §12,
/// plus what rpcgen accepts: C type spellings, `struct name` references, enum members without
/// values, several procedure arguments).
public struct Parser {
    private var tokens: [Token]
    private var index = 0
    private var diagnostics: [Diagnostic] = []
    private var anonymousCount = 0
    /// Integer literals written other than in decimal, by where they are.
    private var literalSpellings: [SourceLocation: String] = [:]
    /// Typedefs made for procedure arguments and results with sizes of their own, put before
    /// the program that uses them.
    private var anonymousTypedefs: [Definition] = []
    /// How many `namespace NAME {` blocks are open.
    private var namespaceDepth = 0
    /// Whether the warning for `;` between enum members has been given (once per file).
    private var warnedEnumSemicolon = false
    /// Whether the warning for xdrpp's `::NAME` has been given (once per file).
    private var warnedScopePrefix = false

    /// Creates a parser over `tokens` (which must end with `.end`).
    public init(tokens: [Token]) {
        self.tokens =
            tokens.isEmpty ? [Token(kind: .end, location: SourceLocation(file: "", line: 1, column: 1))] : tokens
    }

    private struct ParseError: Error {}

    /// Parses every definition; on a syntax error, reports it and skips to the next `;` at the
    /// top level to find more.
    public mutating func parse() -> (specification: Specification, diagnostics: [Diagnostic]) {
        var definitions: [Definition] = []
        while !isAtEnd {
            let start = index
            do {
                if try parseExtension() { continue }
                if let definition = try parseDefinition() {
                    definitions += anonymousTypedefs
                    anonymousTypedefs = []
                    definitions.append(definition)
                }
            } catch {
                anonymousTypedefs = []
                recover()
                if index == start { index += 1 }
            }
        }
        return (Specification(definitions: definitions, literalSpellings: literalSpellings), diagnostics)
    }

    // MARK: Token helpers

    private var current: Token { tokens[min(index, tokens.count - 1)] }
    private var isAtEnd: Bool { current.kind == .end }

    private mutating func advance() -> Token {
        let token = current
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    private func describe(_ token: Token) -> String {
        switch token.kind {
        case .identifier(let name): "'\(name)'"
        case .integer(let value): "'\(value)'"
        case .punctuation(let character): "'\(character)'"
        case .string(let text): "\"\(text)\""
        case .end: "end of file"
        }
    }

    private mutating func fail(_ message: String, at token: Token? = nil) -> ParseError {
        let token = token ?? current
        diagnostics.append(Diagnostic(.error, message, at: token.location))
        return ParseError()
    }

    private mutating func expect(_ character: Character, _ context: String) throws {
        guard case .punctuation(character) = current.kind else {
            throw fail("expected '\(character)' \(context), found \(describe(current))")
        }
        _ = advance()
    }

    private mutating func accept(_ character: Character) -> Bool {
        guard case .punctuation(character) = current.kind else { return false }
        _ = advance()
        return true
    }

    private func isKeyword(_ word: String) -> Bool {
        if case .identifier(word) = current.kind { return true }
        return false
    }

    private mutating func acceptKeyword(_ word: String) -> Bool {
        guard isKeyword(word) else { return false }
        _ = advance()
        return true
    }

    private static let reserved: Set<String> = [
        "bool", "case", "const", "default", "double", "quadruple", "enum", "float", "hyper", "int", "opaque",
        "string", "struct", "switch", "typedef", "union", "unsigned", "void", "program", "version",
    ]

    private mutating func identifier(_ context: String) throws -> (String, Token) {
        guard case .identifier(let name) = current.kind else {
            throw fail("expected an identifier \(context), found \(describe(current))")
        }
        if Self.reserved.contains(name) {
            throw fail("'\(name)' is a keyword and cannot be used as a name \(context)")
        }
        return (name, advance())
    }

    /// A name where a keyword cannot be mistaken for anything else (a declaration's or a
    /// definition's own name): a keyword is taken, with a warning, as some generators allow.
    private mutating func declaredName(_ context: String) throws -> (String, Token) {
        if case .identifier(let name) = current.kind, Self.reserved.contains(name) {
            warn(
                "'\(name)' is a keyword of XDR, used as a name \(context): an extension (rpcgen refuses it)",
                at: current)
            return (name, advance())
        }
        return try identifier(context)
    }

    private mutating func recover() {
        var depth = 0
        while !isAtEnd {
            let token = advance()
            switch token.kind {
            case .punctuation("{"): depth += 1
            case .punctuation("}"): depth = max(0, depth - 1)
            case .punctuation(";") where depth == 0: return
            default: break
            }
        }
    }

    // MARK: Extensions

    /// The extensions in wide use that are not XDR, each accepted with a warning that names it:
    /// xdrpp's `namespace NAME { … }` (its definitions are generated at the top level, where
    /// Swift needs them) and the Linux kernel xdrgen's `pragma … ;` lines (which say how its C
    /// is laid out). Returns whether one was read.
    private mutating func parseExtension() throws -> Bool {
        if namespaceDepth > 0, accept("}") {
            namespaceDepth -= 1
            _ = accept(";")
            return true
        }
        let start = current
        if isKeyword("namespace"), case .identifier(let name) = tokens[min(index + 1, tokens.count - 1)].kind,
            case .punctuation("{") = tokens[min(index + 2, tokens.count - 1)].kind
        {
            index += 3
            namespaceDepth += 1
            warn(
                "'namespace \(name)' is an xdrpp extension, not XDR: its definitions are generated at the top level",
                at: start)
            return true
        }
        if isKeyword("pragma") {
            _ = advance()
            var words: [String] = []
            while !isAtEnd, !accept(";") {
                if case .identifier(let word) = advance().kind { words.append(word) }
            }
            warn(
                "'pragma \(words.joined(separator: " "))' is a Linux kernel xdrgen extension, not XDR: ignored "
                    + "(it only shapes xdrgen's C)", at: start)
            return true
        }
        return false
    }

    /// After `name`: xdrpp's `name::member` (an enum's member, a namespace's type) is read as
    /// the member, with a warning (once).
    private mutating func scopedName(_ name: String) -> String {
        var name = name
        while case .punctuation(":") = current.kind, case .punctuation(":") = tokens[min(index + 1, tokens.count - 1)].kind,
            case .identifier(let member) = tokens[min(index + 2, tokens.count - 1)].kind
        {
            if !warnedScopePrefix {
                warnedScopePrefix = true
                warn("'::' in a name is an xdrpp extension, not XDR: '\(name)::\(member)' is read as '\(member)'", at: current)
            }
            index += 3
            name = member
        }
        return name
    }

    /// The comment after the token just read, on its line.
    private var previousTrailingComment: String? {
        index > 0 ? tokens[index - 1].trailingComment : nil
    }

    private mutating func warn(_ message: String, at token: Token) {
        diagnostics.append(Diagnostic(.warning, message, at: token.location))
    }

    // MARK: Grammar

    private mutating func parseDefinition() throws -> Definition? {
        let start = current
        let comment = start.comment
        guard case .identifier(let keyword) = start.kind else {
            throw fail(
                "expected a definition (const, typedef, enum, struct, union or program), found \(describe(start))")
        }
        switch keyword {
        case "const":
            _ = advance()
            let (name, token) = try identifier("after 'const'")
            try expect("=", "after the constant's name")
            if case .string(let text) = current.kind {
                _ = advance()
                try expect(";", "after the constant")
                return .stringConstant(name: name, value: text, location: token.location, comment: comment)
            }
            let value = try parseValue()
            try expect(";", "after the constant")
            return .constant(name: name, value: value, location: token.location, comment: comment)
        case "typedef":
            _ = advance()
            var declaration = try parseDeclaration(context: "typedef")
            guard declaration.name != nil else {
                throw fail("a typedef needs a name", at: start)
            }
            declaration.comment = comment
            try expect(";", "after the typedef")
            if case .plain(.named(let target, _)) = declaration.kind, target == declaration.name {
                return nil  // `typedef struct foo foo;`: C's way to name a struct; nothing for Swift
            }
            return .typedef(declaration)
        case "enum":
            _ = advance()
            let (name, token) = try declaredName("after 'enum'")
            let body = try parseEnumBody()
            try expect(";", "after the enum")
            return .enumeration(name: name, body: body, location: token.location, comment: comment)
        case "struct":
            _ = advance()
            let (name, token) = try declaredName("after 'struct'")
            let body = try parseStructBody(owner: name)
            try expect(";", "after the struct")
            return .structure(name: name, body: body, location: token.location, comment: comment)
        case "union":
            _ = advance()
            let (name, token) = try declaredName("after 'union'")
            let body = try parseUnionBody(owner: name)
            try expect(";", "after the union")
            return .union(name: name, body: body, location: token.location, comment: comment)
        case "program":
            _ = advance()
            let (name, token) = try identifier("after 'program'")
            try expect("{", "to open the program")
            var versions: [ProgramVersion] = []
            repeat {
                versions.append(try parseVersion())
            } while !accept("}")
            try expect("=", "before the program number")
            let number = try parseValue()
            try expect(";", "after the program")
            return .program(name: name, number: number, versions: versions, location: token.location, comment: comment)
        default:
            throw fail(
                "expected a definition (const, typedef, enum, struct, union or program), found \(describe(start))")
        }
    }

    private mutating func parseVersion() throws -> ProgramVersion {
        let comment = current.comment
        guard acceptKeyword("version") else {
            throw fail("expected 'version' in the program, found \(describe(current))")
        }
        let (name, token) = try identifier("after 'version'")
        try expect("{", "to open the version")
        var procedures: [Procedure] = []
        repeat {
            procedures.append(try parseProcedure())
        } while !accept("}")
        try expect("=", "before the version number")
        let number = try parseValue()
        try expect(";", "after the version")
        return ProgramVersion(
            name: name, number: number, procedures: procedures, location: token.location, comment: comment)
    }

    private mutating func parseProcedure() throws -> Procedure {
        let comment = current.comment
        let resultStart = current
        let result: TypeSpecifier? = acceptKeyword("void") ? nil : try parseProcedureType()
        let sizedResult = result == nil ? nil : try parseAnonymousSize(of: result, at: resultStart)
        let (name, token) = try identifier("for the procedure")
        try expect("(", "after the procedure's name")
        var arguments: [TypeSpecifier] = []
        var argumentNames: [String?] = []
        var sizedArguments: [(index: Int, kind: DeclarationKind, location: SourceLocation)] = []
        if case .identifier("void") = current.kind, case .punctuation(")") = tokens[min(index + 1, tokens.count - 1)].kind {
            _ = advance()  // no arguments
        } else {
            repeat {
                let start = current
                let type = try parseProcedureType()
                // rpcgen -N: an argument may be named; its size may follow the type or the name.
                var argumentName = try parseArgumentName()
                if let sized = try parseAnonymousSize(of: type, at: start) {
                    sizedArguments.append((arguments.count, sized, start.location))
                }
                if argumentName == nil {
                    argumentName = try parseArgumentName()  // `string<> text`
                }
                arguments.append(type)
                argumentNames.append(argumentName)
            } while accept(",")
        }
        try expect(")", "after the procedure's arguments")
        try expect("=", "before the procedure number")
        let number = try parseValue()
        try expect(";", "after the procedure")
        let documentation = comment ?? previousTrailingComment
        // An argument or result with a size of its own (`string<255>`, `opaque<>`, `T[4]`) has
        // no name in the `.x`: it becomes a typedef named after the procedure.
        for (position, kind, location) in sizedArguments {
            let typedefName = name + (arguments.count == 1 ? "_argument" : "_argument\(position + 1)")
            anonymousTypedefs.append(.typedef(Declaration(name: typedefName, kind: kind, location: location)))
            arguments[position] = .named(typedefName, location)
        }
        var resultType = result
        if let sizedResult {
            anonymousTypedefs.append(.typedef(Declaration(name: name + "_result", kind: sizedResult, location: resultStart.location)))
            resultType = .named(name + "_result", resultStart.location)
        }
        var procedure = Procedure(
            name: name, number: number, arguments: arguments, result: resultType, location: token.location,
            comment: documentation)
        procedure.argumentNames = argumentNames
        return procedure
    }

    /// A procedure argument's name, if one comes (rpcgen -N): a word followed by `,`, `)`, `<`
    /// or `[` (a keyword, such as `version`, with a warning).
    private mutating func parseArgumentName() throws -> String? {
        guard case .identifier = current.kind else { return nil }
        switch tokens[min(index + 1, tokens.count - 1)].kind {
        case .punctuation(","), .punctuation(")"), .punctuation("<"), .punctuation("["):
            return try declaredName("for the procedure's argument").0
        default:
            return nil
        }
    }

    /// After a procedure's argument or result type: a size that makes it an anonymous type of
    /// its own (`<max>`, `<>` or `[size]`), as the declaration kind of a typedef for it. A
    /// `string` with no maximum stays the unbounded string it is.
    private mutating func parseAnonymousSize(of type: TypeSpecifier?, at start: Token) throws -> DeclarationKind? {
        let isOpaque: Bool
        if case .identifier("opaque") = start.kind { isOpaque = true } else { isOpaque = false }
        if case .punctuation("[") = current.kind {
            _ = advance()
            let size = try parseValue()
            try expect("]", "after the size")
            if isOpaque { return .fixedOpaque(size) }
            guard let type, type != .string else { throw fail("a string has a maximum <n>, not a size [n]", at: start) }
            return .fixedArray(type, size)
        }
        guard case .punctuation("<") = current.kind else {
            if isOpaque { throw fail("opaque needs [size] or <max>", at: start) }
            return nil
        }
        let maximum = try parseMaximum("after the type")
        if isOpaque { return .variableOpaque(maximum) }
        guard let type else { return nil }
        if type == .string { return maximum.map { .string($0) } }
        return .variableArray(type, maximum)
    }

    private mutating func parseValue() throws -> ValueExpression {
        // xdrpp's C++ scope prefix, `case ::RED:`: the name alone, with a warning (once).
        if case .punctuation(":") = current.kind, case .punctuation(":") = tokens[min(index + 1, tokens.count - 1)].kind,
            case .identifier = tokens[min(index + 2, tokens.count - 1)].kind
        {
            if !warnedScopePrefix {
                warnedScopePrefix = true
                warn("'::' before a name is an xdrpp extension, not XDR: read as the name", at: current)
            }
            index += 2
        }
        let token = current
        if accept("-") {
            guard case .integer(let value) = current.kind else {
                throw fail("expected a number after '-', found \(describe(current))")
            }
            _ = advance()
            return .literal(0 &- value, token.location)
        }
        switch token.kind {
        case .integer(let value):
            _ = advance()
            if let spelling = token.spelling { literalSpellings[token.location] = spelling }
            return .literal(value, token.location)
        case .identifier:
            var (name, _) = try identifier("as a value")
            name = scopedName(name)
            return .identifier(name, token.location)
        default:
            throw fail("expected a number or a constant's name, found \(describe(token))")
        }
    }

    private mutating func parseEnumBody() throws -> EnumBody {
        try expect("{", "to open the enum")
        var members: [EnumBody.Member] = []
        repeat {
            if case .punctuation("}") = current.kind, !members.isEmpty { break }  // trailing comma
            let comment = current.comment
            let (name, token) = try identifier("for an enum member")
            let value: ValueExpression? = accept("=") ? try parseValue() : nil
            // A comment after the member's `,` (or after the member itself, before the `}`).
            let trailing = tokens[max(index - 1, 0)].trailingComment ?? current.trailingComment
            let separated = accept(",") || acceptEnumSemicolon()
            let after = separated ? previousTrailingComment : nil
            members.append(
                EnumBody.Member(
                    name: name, value: value, location: token.location, comment: comment ?? after ?? trailing))
            if !separated { break }
        } while true
        try expect("}", "to close the enum")
        return EnumBody(members: members)
    }

    /// `;` where `,` belongs between enum members, as some `.x` files write it: read as `,`,
    /// with a warning (once per file). A `;` right before `}` is taken as a trailing separator.
    private mutating func acceptEnumSemicolon() -> Bool {
        guard case .punctuation(";") = current.kind else { return false }
        if !warnedEnumSemicolon {
            warnedEnumSemicolon = true
            warn("';' between enum members is an extension (XDR separates them with ','): read as ','", at: current)
        }
        _ = advance()
        return true
    }

    private mutating func parseStructBody(owner: String) throws -> StructBody {
        try expect("{", "to open the struct")
        var fields: [Declaration] = []
        repeat {
            let comment = current.comment
            var field = try parseDeclaration(context: owner)
            try expect(";", "after the field")
            field.comment = comment ?? previousTrailingComment
            fields.append(field)
        } while !accept("}")
        return StructBody(fields: fields)
    }

    private mutating func parseUnionBody(owner: String) throws -> UnionBody {
        guard acceptKeyword("switch") else {
            throw fail("expected 'switch' after the union's name, found \(describe(current))")
        }
        try expect("(", "after 'switch'")
        let discriminant = try parseDeclaration(context: owner)
        try expect(")", "after the discriminant")
        try expect("{", "to open the union")
        var arms: [UnionBody.Arm] = []
        var defaultArm: Declaration?
        while !accept("}") {
            let comment = current.comment
            if acceptKeyword("default") {
                let defaultToken = current
                try expect(":", "after 'default'")
                if defaultArm != nil {
                    throw fail("the union has two 'default' arms", at: defaultToken)
                }
                var declaration = try parseDeclaration(context: owner)
                try expect(";", "after the default arm")
                declaration.comment = comment ?? previousTrailingComment
                defaultArm = declaration
                continue
            }
            var labels: [ValueExpression] = []
            while acceptKeyword("case") {
                labels.append(try parseValue())
                try expect(":", "after the case label")
            }
            guard !labels.isEmpty else {
                throw fail("expected 'case', 'default' or '}' in the union, found \(describe(current))")
            }
            var declaration = try parseDeclaration(context: owner)
            try expect(";", "after the union arm")
            declaration.comment = comment ?? previousTrailingComment
            arms.append(UnionBody.Arm(labels: labels, declaration: declaration))
        }
        return UnionBody(discriminant: discriminant, arms: arms, defaultArm: defaultArm)
    }

    /// Parses `<` [max] `>` after a variable-length declaration's name (`nil`: no maximum).
    private mutating func parseMaximum(_ context: String) throws -> ValueExpression? {
        try expect("<", context)
        if accept(">") { return nil }
        let maximum = try parseValue()
        try expect(">", "after the maximum")
        return maximum
    }

    /// Parses a declaration; `void` has no name.
    private mutating func parseDeclaration(context: String) throws -> Declaration {
        let start = current
        if acceptKeyword("void") {
            return Declaration(name: nil, kind: .void, location: start.location)
        }
        if acceptKeyword("opaque") {
            let (name, token) = try declaredName("for the opaque data")
            if accept("[") {
                let size = try parseValue()
                try expect("]", "after the size")
                return Declaration(name: name, kind: .fixedOpaque(size), location: token.location)
            }
            let maximum = try parseMaximum("after the opaque data's name (opaque needs [size] or <max>)")
            return Declaration(name: name, kind: .variableOpaque(maximum), location: token.location)
        }
        if acceptKeyword("string") {
            let (name, token) = try declaredName("for the string")
            let maximum = try parseMaximum("after the string's name (string needs <max> or <>)")
            return Declaration(name: name, kind: .string(maximum), location: token.location)
        }
        let type = try parseTypeSpecifier(owner: context, field: "")
        if accept("*") {
            let (name, token) = try declaredName("for the optional data")
            return Declaration(name: name, kind: .optional(type), location: token.location)
        }
        let (name, token) = try declaredName("for the declaration")
        if accept("[") {
            let size = try parseValue()
            try expect("]", "after the array size")
            return Declaration(name: name, kind: .fixedArray(type, size), location: token.location)
        }
        if case .punctuation("<") = current.kind {
            let maximum = try parseMaximum("after the array's name")
            return Declaration(name: name, kind: .variableArray(type, maximum), location: token.location)
        }
        return Declaration(name: name, kind: .plain(type), location: token.location)
    }

    /// A procedure's argument or result type: a type specifier, or `string` and `opaque` as
    /// rpcgen allows (a size may follow; see ``parseAnonymousSize(of:at:)``). `opaque` is
    /// returned as `.string`'s neighbour only through its size: the caller looks at the token.
    private mutating func parseProcedureType() throws -> TypeSpecifier {
        if acceptKeyword("string") { return .string }
        if acceptKeyword("opaque") { return .string }  // replaced by a typedef of its size
        return try parseTypeSpecifier(owner: "", field: "")
    }

    private mutating func parseTypeSpecifier(owner: String, field: String) throws -> TypeSpecifier {
        let token = current
        guard case .identifier(let word) = token.kind else {
            throw fail("expected a type, found \(describe(token))")
        }
        switch word {
        case "unsigned":
            _ = advance()
            if acceptKeyword("int") || acceptKeyword("long") || acceptKeyword("short") || acceptKeyword("char") {
                return .unsignedInt
            }
            if acceptKeyword("hyper") { return .unsignedHyper }
            return .unsignedInt  // `unsigned` alone, as rpcgen takes it
        case "int", "char", "short":
            _ = advance()
            return .int
        case "long":
            _ = advance()
            if acceptKeyword("long") { return .hyper }
            return .int
        case "hyper": _ = advance(); return .hyper
        case "float": _ = advance(); return .float
        case "double": _ = advance(); return .double
        case "quadruple": _ = advance(); return .quadruple
        case "bool", "bool_t": _ = advance(); return .bool
        case "u_int", "u_long", "u_short", "u_char", "uint32_t", "u_int32_t", "uint16_t", "u_int16_t", "uint8_t",
            "u_int8_t", "rpcprog_t", "rpcvers_t", "rpcproc_t", "rpcprot_t", "rpcport_t":
            _ = advance()
            return .unsignedInt
        case "int32_t", "int16_t", "int8_t":
            _ = advance()
            return .int
        case "int64_t", "quad_t", "longlong_t":
            _ = advance()
            return .hyper
        case "uint64_t", "u_int64_t", "u_quad_t", "u_longlong_t":
            _ = advance()
            return .unsignedHyper
        case "enum", "struct", "union":
            _ = advance()
            // `struct name` refers to a type, as in C; `struct { … }` defines one inline.
            if case .identifier(let name) = current.kind, !Self.reserved.contains(name) {
                let reference = advance()
                if case .punctuation("{") = current.kind {
                    throw fail("a named \(word) cannot be defined inside a declaration")
                }
                return .named(name, reference.location)
            }
            switch word {
            case "enum": return .inlineEnum(try parseEnumBody())
            case "struct": return .inlineStruct(try parseStructBody(owner: owner))
            default: return .inlineUnion(try parseUnionBody(owner: owner))
            }
        case "opaque", "string", "void":
            throw fail("'\(word)' cannot be used here")
        default:
            let (name, reference) = try identifier("as a type")
            return .named(scopedName(name), reference.location)
        }
    }
}
