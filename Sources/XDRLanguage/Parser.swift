/// Parses the tokens of a `.x` file into a ``Specification`` (RFC 4506 §6.3 and RFC 5531 §12,
/// plus what rpcgen accepts: C type spellings, `struct name` references, enum members without
/// values, several procedure arguments).
public struct Parser {
    private var tokens: [Token]
    private var index = 0
    private var diagnostics: [Diagnostic] = []
    private var anonymousCount = 0

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
                if let definition = try parseDefinition() {
                    definitions.append(definition)
                }
            } catch {
                recover()
                if index == start { index += 1 }
            }
        }
        return (Specification(definitions: definitions), diagnostics)
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
            let (name, token) = try identifier("after 'enum'")
            let body = try parseEnumBody()
            try expect(";", "after the enum")
            return .enumeration(name: name, body: body, location: token.location, comment: comment)
        case "struct":
            _ = advance()
            let (name, token) = try identifier("after 'struct'")
            let body = try parseStructBody(owner: name)
            try expect(";", "after the struct")
            return .structure(name: name, body: body, location: token.location, comment: comment)
        case "union":
            _ = advance()
            let (name, token) = try identifier("after 'union'")
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
        let result: TypeSpecifier? = acceptKeyword("void") ? nil : try parseProcedureType()
        let (name, token) = try identifier("for the procedure")
        try expect("(", "after the procedure's name")
        var arguments: [TypeSpecifier] = []
        if acceptKeyword("void") {
            // no arguments
        } else {
            repeat {
                arguments.append(try parseProcedureType())
            } while accept(",")
        }
        try expect(")", "after the procedure's arguments")
        try expect("=", "before the procedure number")
        let number = try parseValue()
        try expect(";", "after the procedure")
        return Procedure(
            name: name, number: number, arguments: arguments, result: result, location: token.location, comment: comment
        )
    }

    private mutating func parseValue() throws -> ValueExpression {
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
            return .literal(value, token.location)
        case .identifier:
            let (name, _) = try identifier("as a value")
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
            members.append(EnumBody.Member(name: name, value: value, location: token.location, comment: comment))
        } while accept(",")
        try expect("}", "to close the enum")
        return EnumBody(members: members)
    }

    private mutating func parseStructBody(owner: String) throws -> StructBody {
        try expect("{", "to open the struct")
        var fields: [Declaration] = []
        repeat {
            let comment = current.comment
            var field = try parseDeclaration(context: owner)
            field.comment = comment
            try expect(";", "after the field")
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
                declaration.comment = comment
                try expect(";", "after the default arm")
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
            declaration.comment = comment
            try expect(";", "after the union arm")
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
            let (name, token) = try identifier("for the opaque data")
            if accept("[") {
                let size = try parseValue()
                try expect("]", "after the size")
                return Declaration(name: name, kind: .fixedOpaque(size), location: token.location)
            }
            let maximum = try parseMaximum("after the opaque data's name (opaque needs [size] or <max>)")
            return Declaration(name: name, kind: .variableOpaque(maximum), location: token.location)
        }
        if acceptKeyword("string") {
            let (name, token) = try identifier("for the string")
            let maximum = try parseMaximum("after the string's name (string needs <max> or <>)")
            return Declaration(name: name, kind: .string(maximum), location: token.location)
        }
        let type = try parseTypeSpecifier(owner: context, field: "")
        if accept("*") {
            let (name, token) = try identifier("for the optional data")
            return Declaration(name: name, kind: .optional(type), location: token.location)
        }
        let (name, token) = try identifier("for the declaration")
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

    /// A procedure's argument or result type: a type specifier, or `string` as rpcgen allows.
    private mutating func parseProcedureType() throws -> TypeSpecifier {
        if acceptKeyword("string") { return .string }
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
            return .named(name, reference.location)
        }
    }
}
