/// Turns `.x` names into Swift names.
struct SwiftNamer {
    let options: GeneratorOptions

    static let keywords: Set<String> = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init", "inout",
        "internal", "let", "open", "operator", "private", "precedencegroup", "protocol", "public", "rethrows", "static",
        "struct", "subscript", "typealias", "var", "break", "case", "catch", "continue", "default", "defer", "do",
        "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return", "throw", "switch", "where", "while",
        "Any", "as", "await", "false", "is", "nil", "self", "Self", "super", "throws", "true", "try", "package",
        "async", "some", "any", "Type", "Protocol", "consume", "copy", "discard", "borrowing", "consuming", "each",
    ]

    /// Swift and library type names a generated type must not shadow.
    static let reservedTypeNames: Set<String> = [
        "Int", "Int8", "Int16", "Int32", "Int64", "UInt", "UInt8", "UInt16", "UInt32", "UInt64", "Float", "Double",
        "Bool", "String", "Character", "Array", "Optional", "Dictionary", "Set", "Void", "Never", "Error", "Result",
        "Hasher", "ByteBuffer", "XDRVoid", "XDRQuadruple", "XDRReader", "XDRWriter", "XDRBox", "RPCClient",
        "RPCService", "RPCMethod", "RPCError", "RPCServerContext", "RPCCallOptions", "RPCProcedureDescriptor",
        "Client", "ServiceProtocol", "Sendable", "Hashable", "Equatable",
    ]

    private func words(_ name: String) -> [String] {
        var result: [String] = []
        var current = ""
        for character in name {
            if character == "_" {
                if !current.isEmpty { result.append(current) }
                current = ""
                continue
            }
            // A lower-to-upper change starts a word (`fileName` -> file, Name).
            if character.isUppercase, let previous = current.last, previous.isLowercase {
                result.append(current)
                current = ""
            }
            current.append(character)
        }
        if !current.isEmpty { result.append(current) }
        return result
    }

    private func capitalized(_ word: String) -> String {
        let isAllCaps = word.allSatisfy { !$0.isLowercase }
        let rest = isAllCaps ? word.dropFirst().lowercased() : String(word.dropFirst())
        return word.prefix(1).uppercased() + rest
    }

    /// The Swift name of a type.
    func typeName(_ name: String) -> String {
        if let override = options.nameOverrides[name] { return override }
        var swift: String
        switch options.naming {
        case .verbatim: swift = name
        case .idiomatic:
            swift = words(name).map(capitalized).joined()
            if swift.isEmpty { swift = name }
        }
        if Self.reservedTypeNames.contains(swift) { swift += "_" }
        return Self.escape(swift)
    }

    /// The Swift name of a member (field, case, procedure, constant).
    func memberName(_ name: String) -> String {
        if let override = options.nameOverrides[name] { return override }
        switch options.naming {
        case .verbatim:
            return Self.escapeMember(name)
        case .idiomatic:
            let parts = words(name)
            guard let first = parts.first else { return Self.escapeMember(name) }
            let head =
                first.allSatisfy { !$0.isLowercase }
                ? first.lowercased() : first.prefix(1).lowercased() + first.dropFirst()
            return Self.escapeMember(head + parts.dropFirst().map(capitalized).joined())
        }
    }

    /// A member name escaped as `escape` does, except `self`, which becomes `self_`: a
    /// memberwise initialiser's parameter named `self` would hide the value being initialised.
    static func escapeMember(_ name: String) -> String {
        name == "self" ? "self_" : escape(name)
    }

    static func escape(_ name: String) -> String {
        keywords.contains(name) ? "`\(name)`" : name
    }
}
