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

    /// Names the generated code gives its own nested types: a `.x` type of such a name gets a
    /// `_` (it would be found first inside a version namespace).
    static let reservedTypeNames: Set<String> = ["Client", "ServiceProtocol"]

    /// The library types the generated code names, by the module that has them. A `.x` type
    /// may take one of these names (`struct Result`, `typedef … String`): it keeps it, and the
    /// generated code names the library's type through its module (`Swift.String`).
    static let libraryTypeModules: [String: String] = {
        var modules: [String: String] = [:]
        for name in [
            "Int", "Int8", "Int16", "Int32", "Int64", "UInt", "UInt8", "UInt16", "UInt32", "UInt64", "Float", "Double",
            "Bool", "String", "Character", "Array", "Optional", "Dictionary", "Set", "Void", "Never", "Error", "Result",
            "Hasher", "Sendable", "Hashable", "Equatable", "CaseIterable",
        ] {
            modules[name] = "Swift"
        }
        modules["ByteBuffer"] = "NIOCore"
        for name in [
            "XDRVoid", "XDRQuadruple", "XDRReader", "XDRWriter", "XDRBox", "XDRCodable", "XDREncodable", "XDRDecodable",
            "XDREnum",
        ] {
            modules[name] = "XDR"
        }
        for name in [
            "RPCClient", "RPCService", "RPCMethod", "RPCError", "RPCServerContext", "RPCCallOptions",
            "RPCProcedureDescriptor", "RPCProgramVersion", "RPCVersionClient", "RPCServiceDefinition",
        ] {
            modules[name] = "ONCRPC"
        }
        return modules
    }()

    /// Marks a generated type's name that is also a library type's, so that the finished file
    /// can tell the two apart (see ``qualifyLibraryNames(in:)``).
    static let shadowMark: Character = "\u{1}"

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
        var swift: String
        if let override = options.nameOverrides[name] {
            swift = override
        } else {
            switch options.naming {
            case .verbatim: swift = name
            case .idiomatic:
                swift = words(name).map(capitalized).joined()
                if swift.isEmpty { swift = name }
            }
            if Self.reservedTypeNames.contains(swift) { swift += "_" }
        }
        if Self.libraryTypeModules[swift] != nil {
            return "\(Self.shadowMark)\(swift)\(Self.shadowMark)"
        }
        return options.nameOverrides[name] == nil ? Self.escape(swift) : swift
    }

    /// The finished file with every library type name that a generated type shadows (marked by
    /// ``typeName(_:)``) written through its module, and the marks removed: with a `.x` type named
    /// `String`, `String` is that type and `Swift.String` the standard library's.
    static func qualifyLibraryNames(in text: String) -> String {
        guard text.contains(shadowMark) else { return text }
        var shadowed = Set<Substring>()
        for (index, part) in text.split(separator: shadowMark, omittingEmptySubsequences: false).enumerated()
        where index % 2 == 1 {
            shadowed.insert(part)
        }
        var result = ""
        result.reserveCapacity(text.utf8.count + 64)
        var word = ""
        var previous: Character = " "
        var inMark = false
        // Comments name the `.x`'s own definitions: they are left as they are.
        var inComment = false
        var inString = false
        func flush() {
            if !word.isEmpty, !inComment, shadowed.contains(Substring(word)), previous != ".",
                let module = libraryTypeModules[word]
            {
                result += module + "."
            }
            result += word
            if let last = word.last { previous = last }
            word = ""
        }
        for character in text {
            if character == shadowMark {
                if inMark {
                    result += word  // the generated type's own name, as it is
                    previous = word.last ?? previous
                    word = ""
                } else {
                    flush()
                }
                inMark.toggle()
                continue
            }
            if inMark || character.isLetter || character.isNumber || character == "_" {
                word.append(character)
                continue
            }
            flush()
            switch character {
            case "\n": inComment = false
            case "\"" where !inComment && previous != "\\": inString.toggle()
            case "/" where !inString && previous == "/": inComment = true
            default: break
            }
            result.append(character)
            previous = character
        }
        flush()
        return result
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
