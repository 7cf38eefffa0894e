/// A token of the `.x` language.
public struct Token: Hashable, Sendable {
    /// The kinds of token.
    public enum Kind: Hashable, Sendable {
        /// A name or keyword.
        case identifier(String)
        /// An integer literal, already converted.
        case integer(Int64)
        /// One punctuation character: `{ } [ ] < > ( ) ; , = : * -`.
        case punctuation(Character)
        /// A string literal (rpcgen passes `const NAME = "text";` through to C).
        case string(String)
        /// The end of the input.
        case end
    }

    /// What it is.
    public var kind: Kind
    /// Where it starts.
    public var location: SourceLocation
    /// The comment just before it, if any (for doc comments).
    public var comment: String?
    /// An integer literal as written, when it is not plain decimal (`0x20000099`, `0755`).
    public var spelling: String? = nil
    /// A comment that follows it on its line (`int x;  /* the count */`).
    public var trailingComment: String? = nil
}

/// Reads a `.x` file into tokens, acting as the C preprocessor would for rpcgen: it drops
/// comments (keeping them for doc comments), skips `%` pass-through lines (with a note), and
/// obeys `#define` of simple constants, `#ifdef`/`#ifndef`/`#if`/`#elif`/`#else`/`#endif` and
/// `#include "file"`.
public struct Preprocessor {
    /// Reads an included file: given the path as written and the including file's name, returns
    /// the name to report and the contents, or `nil` when not found.
    public typealias IncludeLoader = (_ path: String, _ from: String) -> (name: String, contents: String)?

    /// Macros defined so far (`#define NAME value`, `-D NAME=value`).
    public var macros: [String: String]
    private let loadInclude: IncludeLoader
    private var diagnostics: [Diagnostic] = []
    private var includeDepth = 0
    /// The main file's header comment: its first comment, before anything else, when a blank
    /// line or a `%`/`#` line follows it (a comment right before a definition documents that
    /// definition instead).
    public private(set) var fileComment: String?

    /// Creates a preprocessor with `macros` predefined. rpcgen defines `RPC_HDR` when writing
    /// the header that declares the types, and swift-rpcgen reads files the same way.
    public init(macros: [String: String] = ["RPC_HDR": "1"], loadInclude: @escaping IncludeLoader = { _, _ in nil }) {
        // Constants rpcgen's C gets from libtirpc's headers.
        self.macros = ["MAXNETNAMELEN": "255"].merging(macros) { _, given in given }
        self.loadInclude = loadInclude
    }

    /// Tokenizes `contents` of `file`; the result always ends with an `.end` token. Errors and
    /// notes are returned alongside.
    public mutating func tokenize(file: String, contents: String) -> (tokens: [Token], diagnostics: [Diagnostic]) {
        diagnostics = []
        var tokens: [Token] = []
        scan(file: file, bytes: Array(contents.utf8), into: &tokens)
        tokens.append(
            Token(kind: .end, location: SourceLocation(file: file, line: max(1, lineCount(contents)), column: 1)))
        return (tokens, diagnostics)
    }

    private func lineCount(_ text: String) -> Int {
        text.utf8.reduce(1) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
    }

    /// One level of `#if` nesting.
    private struct Conditional {
        var active: Bool  // this branch is being compiled
        var taken: Bool  // some branch of this #if has been taken
        var parentActive: Bool
        var location: SourceLocation
        var sawElse = false
    }

    private mutating func scan(file: String, bytes: [UInt8], into tokens: inout [Token]) {
        var index = 0
        var line = 1
        var lineStart = 0
        var atLineStart = true
        var conditionals: [Conditional] = []
        var pendingComment: String?
        var lastTokenLine = 0  // a comment starting on this line trails a declaration: not a doc comment
        var active: Bool { conditionals.last?.active ?? true }
        // The first comment of the main file, while it may be its header comment: its last line.
        var headerEndLine: Int?
        var sawAnything = includeDepth > 0 || fileComment != nil
        /// Something begins on `atLine` (a token, a `%` or `#` line): a header comment before it is
        /// the file's when a blank line or a line-oriented construct separates them.
        func settleHeader(atLine: Int, lineOriented: Bool) {
            defer { sawAnything = true }
            guard let end = headerEndLine, let comment = pendingComment else { return }
            headerEndLine = nil
            if lineOriented || atLine > end + 1 {
                fileComment = comment
                pendingComment = nil
            }
        }

        func location(_ at: Int) -> SourceLocation {
            SourceLocation(file: file, line: line, column: at - lineStart + 1)
        }

        while index < bytes.count {
            let byte = bytes[index]
            // Newlines and white space.
            if byte == UInt8(ascii: "\n") {
                index += 1
                line += 1
                lineStart = index
                atLineStart = true
                continue
            }
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") || byte == 0x0C {
                index += 1
                continue
            }
            // Comments.
            if byte == UInt8(ascii: "/"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "*") {
                let start = location(index)
                var end = index + 2
                var text: [UInt8] = []
                var closed = false
                while end < bytes.count {
                    if bytes[end] == UInt8(ascii: "*"), end + 1 < bytes.count, bytes[end + 1] == UInt8(ascii: "/") {
                        closed = true
                        break
                    }
                    if bytes[end] == UInt8(ascii: "\n") {
                        line += 1
                        lineStart = end + 1
                    }
                    text.append(bytes[end])
                    end += 1
                }
                if !closed {
                    diagnostics.append(Diagnostic(.error, "unterminated comment", at: start))
                    return
                }
                index = end + 2
                if active {
                    if headerEndLine != nil { settleHeader(atLine: start.line, lineOriented: false) }
                    if start.line == lastTokenLine, !tokens.isEmpty, tokens[tokens.count - 1].trailingComment == nil {
                        tokens[tokens.count - 1].trailingComment = Self.cleanComment(text, block: true)
                    }
                    pendingComment = start.line == lastTokenLine ? nil : Self.cleanComment(text, block: true)
                    if !sawAnything, pendingComment != nil { headerEndLine = line }
                }
                continue
            }
            if byte == UInt8(ascii: "/"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "/") {
                var end = index + 2
                while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
                if active, line == lastTokenLine, !tokens.isEmpty, tokens[tokens.count - 1].trailingComment == nil {
                    tokens[tokens.count - 1].trailingComment = Self.cleanComment(
                        Array(bytes[(index + 2)..<end]), block: false)
                }
                if active, line != lastTokenLine {
                    let text = Self.cleanComment(Array(bytes[(index + 2)..<end]), block: false)
                    if let headerEnd = headerEndLine, line > headerEnd + 1 {
                        settleHeader(atLine: line, lineOriented: false)
                    }
                    pendingComment = pendingComment.map { $0 + "\n" + text } ?? text
                    if !sawAnything { headerEndLine = line }
                }
                index = end
                continue
            }
            // Line-oriented constructs: `%` pass-through and `#` directives.
            if atLineStart, byte == UInt8(ascii: "%") || byte == UInt8(ascii: "#") {
                // Where the line starts, before a continuation moves `line` on.
                let at = location(index)
                if active, headerEndLine != nil || !sawAnything { settleHeader(atLine: line, lineOriented: true) }
                var end = index
                while end < bytes.count, bytes[end] != UInt8(ascii: "\n") {
                    // A directive may continue on the next line after a backslash.
                    if bytes[end] == UInt8(ascii: "\\"), end + 1 < bytes.count, bytes[end + 1] == UInt8(ascii: "\n") {
                        end += 2
                        line += 1
                        lineStart = end
                        continue
                    }
                    end += 1
                }
                let text = String(decoding: bytes[(index + 1)..<end], as: UTF8.self)
                if byte == UInt8(ascii: "%") {
                    if active {
                        passThrough(text, at: at, file: file, tokens: &tokens)
                    }
                } else {
                    directive(text, at: at, file: file, conditionals: &conditionals, tokens: &tokens)
                }
                index = end
                continue
            }
            atLineStart = false
            let start = index
            let at = location(index)
            if headerEndLine != nil || !sawAnything { settleHeader(atLine: line, lineOriented: false) }
            lastTokenLine = line
            // Identifiers.
            if Self.isIdentifierStart(byte) {
                var end = index + 1
                while end < bytes.count, Self.isIdentifierPart(bytes[end]) { end += 1 }
                index = end
                guard active else { continue }
                let name = String(decoding: bytes[start..<end], as: UTF8.self)
                if let replacement = macros[name], !replacement.isEmpty, replacement != name {
                    // An object-like macro: its value's tokens, at the macro's place.
                    var expansion = Preprocessor(macros: [:])
                    let expanded = expansion.tokenize(file: file, contents: replacement).tokens.dropLast()
                    for var token in expanded {
                        token.location = at
                        tokens.append(token)
                    }
                } else {
                    tokens.append(Token(kind: .identifier(name), location: at, comment: pendingComment))
                }
                pendingComment = nil
                continue
            }
            // Numbers.
            if Self.isDigit(byte) {
                var end = index + 1
                while end < bytes.count, Self.isIdentifierPart(bytes[end]) { end += 1 }
                index = end
                guard active else { continue }
                let text = String(decoding: bytes[start..<end], as: UTF8.self)
                if let value = Self.parseInteger(text) {
                    var token = Token(kind: .integer(value), location: at, comment: pendingComment)
                    if text.count > 1, text.first == "0" { token.spelling = text }
                    tokens.append(token)
                } else {
                    diagnostics.append(Diagnostic(.error, "invalid number '\(text)'", at: at))
                }
                pendingComment = nil
                continue
            }
            if byte == UInt8(ascii: "\"") {
                var end = index + 1
                while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\n") {
                    // An escape skips the next byte, but never a newline: a string stays on its line.
                    let escapes =
                        bytes[end] == UInt8(ascii: "\\") && end + 1 < bytes.count
                        && bytes[end + 1] != UInt8(ascii: "\n")
                    end += escapes ? 2 : 1
                }
                guard end < bytes.count, bytes[end] == UInt8(ascii: "\"") else {
                    diagnostics.append(Diagnostic(.error, "unterminated string literal", at: at))
                    index = end
                    continue
                }
                index = end + 1
                guard active else { continue }
                tokens.append(
                    Token(
                        kind: .string(String(decoding: bytes[(start + 1)..<end], as: UTF8.self)), location: at,
                        comment: pendingComment))
                pendingComment = nil
                continue
            }
            index += 1
            guard active else { continue }
            let character = Character(Unicode.Scalar(byte))
            if "{}[]<>();,=:*-".contains(character) {
                tokens.append(Token(kind: .punctuation(character), location: at, comment: pendingComment))
                pendingComment = nil
            } else if byte >= 0x80 {
                diagnostics.append(Diagnostic(.error, "unexpected non-ASCII character", at: at))
                while index < bytes.count, bytes[index] >= 0x80, bytes[index] < 0xC0 { index += 1 }
            } else {
                diagnostics.append(Diagnostic(.error, "unexpected character '\(character)'", at: at))
            }
        }
        if let open = conditionals.last {
            diagnostics.append(Diagnostic(.error, "unterminated conditional directive", at: open.location))
        }
    }

    /// A `%` line is C for rpcgen's output. Two kinds matter to Swift: `%#define NAME value`
    /// (constants the C side sees, used as sizes in some files) and `%#include <…/name.h>` of a
    /// header rpcgen makes from a sibling `name.x` (whose types the file then uses).
    private mutating func passThrough(_ text: String, at location: SourceLocation, file: String, tokens: inout [Token])
    {
        let trimmed = text.trimmingSpaces()
        if trimmed.hasPrefix("#define") {
            let rest = String(trimmed.dropFirst("#define".count)).trimmingSpaces()
            let name = String(rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" })
            let value = Self.stripComment(String(rest.dropFirst(name.count))).trimmingSpaces()
            if !name.isEmpty, macros[name] == nil {
                if Self.parseInteger(value) != nil
                    || (value.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } && !value.isEmpty)
                {
                    macros[name] = value
                    return
                }
                // A constant expression such as `LM_MAXSTRLEN+1`: keep its value.
                var parser = ConditionParser(text: Array(value), macros: macros)
                if let number = parser.parseAdditive(), parser.atEnd {
                    macros[name] = String(number)
                    return
                }
            }
        }
        if trimmed.hasPrefix("#include") {
            let rest = String(trimmed.dropFirst("#include".count)).trimmingSpaces()
            if let open = rest.first, open == "<" || open == "\"" {
                let path = String(rest.dropFirst().prefix { $0 != ">" && $0 != "\"" })
                let base = String(path.split(separator: "/").last ?? "")
                if base.hasSuffix(".h"), includeDepth < 32,
                    let (name, contents) = loadInclude(String(base.dropLast(2)) + ".x", file)
                {
                    includeDepth += 1
                    scan(file: name, bytes: Array(contents.utf8), into: &tokens)
                    includeDepth -= 1
                    return
                }
            }
        }
        diagnostics.append(Diagnostic(.note, "'%' pass-through line ignored (it is C for rpcgen)", at: location))
    }

    private mutating func directive(
        _ text: String,
        at location: SourceLocation,
        file: String,
        conditionals: inout [Conditional],
        tokens: inout [Token]
    ) {
        let trimmed = text.drop { $0 == " " || $0 == "\t" }
        let keyword = String(trimmed.prefix { $0.isLetter })
        let rest = String(trimmed.dropFirst(keyword.count)).trimmingSpaces()
        let active = conditionals.last?.active ?? true
        switch keyword {
        case "ifdef", "ifndef":
            let name = String(rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" })
            let defined = macros[name] != nil
            let condition = keyword == "ifdef" ? defined : !defined
            conditionals.append(
                Conditional(active: active && condition, taken: condition, parentActive: active, location: location))
        case "if":
            let condition = active ? evaluate(rest, at: location) : false
            conditionals.append(
                Conditional(active: active && condition, taken: condition, parentActive: active, location: location))
        case "elif":
            guard var top = conditionals.popLast() else {
                diagnostics.append(Diagnostic(.error, "#elif without #if", at: location))
                return
            }
            let condition = !top.taken && top.parentActive && evaluate(rest, at: location)
            top.active = top.parentActive && condition
            top.taken = top.taken || condition
            conditionals.append(top)
        case "else":
            guard var top = conditionals.popLast() else {
                diagnostics.append(Diagnostic(.error, "#else without #if", at: location))
                return
            }
            if top.sawElse {
                diagnostics.append(Diagnostic(.error, "#else after #else", at: location))
            }
            top.sawElse = true
            top.active = top.parentActive && !top.taken
            top.taken = true
            conditionals.append(top)
        case "endif":
            if conditionals.popLast() == nil {
                diagnostics.append(Diagnostic(.error, "#endif without #if", at: location))
            }
        case "define":
            guard active else { return }
            let name = String(rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" })
            guard !name.isEmpty else {
                diagnostics.append(Diagnostic(.error, "#define needs a name", at: location))
                return
            }
            let value = String(rest.dropFirst(name.count))
            if value.hasPrefix("(") {
                diagnostics.append(Diagnostic(.warning, "function-like macro '\(name)' ignored", at: location))
                return
            }
            macros[name] = Self.stripComment(value).trimmingSpaces()
        case "undef":
            guard active else { return }
            macros[String(rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" })] = nil
        case "include":
            guard active else { return }
            guard rest.first == "\"" || rest.first == "<", rest.count >= 2 else {
                diagnostics.append(Diagnostic(.error, "#include expects \"file\"", at: location))
                return
            }
            let closing: Character = rest.first == "\"" ? "\"" : ">"
            let path = String(rest.dropFirst().prefix { $0 != closing })
            guard path.hasSuffix(".x") else {
                // A C header for rpcgen's output: nothing for Swift.
                diagnostics.append(Diagnostic(.note, "#include of '\(path)' ignored (not a .x file)", at: location))
                return
            }
            guard includeDepth < 32 else {
                diagnostics.append(Diagnostic(.error, "#include nested too deeply", at: location))
                return
            }
            guard let (name, contents) = loadInclude(path, file) else {
                diagnostics.append(Diagnostic(.error, "cannot find included file '\(path)'", at: location))
                return
            }
            includeDepth += 1
            scan(file: name, bytes: Array(contents.utf8), into: &tokens)
            includeDepth -= 1
        case "pragma", "ident", "line", "error", "warning", "":
            if keyword == "error", active {
                diagnostics.append(Diagnostic(.error, "#error \(rest)", at: location))
            }
        default:
            if keyword.isEmpty || keyword.first!.isNumber {
                return  // a line marker from cpp
            }
            if active {
                diagnostics.append(Diagnostic(.warning, "unknown directive '#\(keyword)' ignored", at: location))
            }
        }
    }

    private static func stripComment(_ text: String) -> String {
        let characters = Array(text)
        for index in characters.indices.dropLast() where characters[index] == "/" {
            if characters[index + 1] == "*" || characters[index + 1] == "/" {
                return String(characters[..<index])
            }
        }
        return text
    }

    /// Evaluates a `#if` expression: integers, macro names, `defined(NAME)`, `!`, `&&`, `||`,
    /// comparisons and parentheses. Unknown names are 0, as in C.
    private mutating func evaluate(_ text: String, at location: SourceLocation) -> Bool {
        var parser = ConditionParser(text: Array(Self.stripComment(text)), macros: macros)
        guard let value = parser.parseOr(), parser.atEnd else {
            diagnostics.append(Diagnostic(.error, "cannot evaluate '#if \(text)'", at: location))
            return false
        }
        return value != 0
    }

    static func isIdentifierStart(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || byte == UInt8(ascii: "_")
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    static func isIdentifierPart(_ byte: UInt8) -> Bool { isIdentifierStart(byte) || isDigit(byte) }

    /// The integer constants a C header defines (`#define NAME 16`, `#define NAME (OTHER + 1)`),
    /// as macros for ``init(macros:loadInclude:)``: what rpcgen's C gets from a header the `.x`
    /// leaves its sizes to (libvirt's `VIR_UUID_BUFLEN`). Other lines are skipped.
    public static func integerMacros(inHeader text: String) -> [String: String] {
        var macros: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            var rest = Substring(line).drop { $0 == " " || $0 == "\t" }
            guard rest.hasPrefix("#") else { continue }
            rest = rest.dropFirst().drop { $0 == " " || $0 == "\t" }
            guard rest.hasPrefix("define") else { continue }
            rest = rest.dropFirst("define".count)
            guard rest.first == " " || rest.first == "\t" else { continue }
            rest = rest.drop { $0 == " " || $0 == "\t" }
            let name = String(rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" })
            let after = rest.dropFirst(name.count)
            guard !name.isEmpty, after.first != "(" else { continue }  // not a function-like macro
            var value = stripComment(String(after)).trimmingSpaces()
            while value.hasPrefix("("), value.hasSuffix(")") { value = String(value.dropFirst().dropLast()).trimmingSpaces() }
            if let number = parseInteger(value) {
                macros[name] = String(number)
                continue
            }
            var parser = ConditionParser(text: Array(value), macros: macros)
            if let number = parser.parseAdditive(), parser.atEnd {
                macros[name] = String(number)
            }
        }
        return macros
    }

    /// Parses a C integer literal (decimal, 0x hexadecimal, 0 octal, with an optional U/L suffix).
    static func parseInteger(_ text: String) -> Int64? {
        var digits = Substring(text)
        while let last = digits.last, "uUlL".contains(last) { digits = digits.dropLast() }
        let radix: Int
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            digits = digits.dropFirst(2)
            radix = 16
        } else if digits.count > 1, digits.hasPrefix("0") {
            digits = digits.dropFirst()
            radix = 8
        } else {
            radix = 10
        }
        guard !digits.isEmpty, let value = UInt64(digits, radix: radix) else { return nil }
        return Int64(bitPattern: value)
    }

    static func cleanComment(_ bytes: [UInt8], block: Bool) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            var trimmed = Substring(line).drop { $0 == " " || $0 == "\t" }
            if block, trimmed.hasPrefix("*") { trimmed = trimmed.dropFirst() }
            if trimmed.hasPrefix(" ") { trimmed = trimmed.dropFirst() }
            return String(trimmed).trimmingSpaces()
        }
        while lines.first?.isEmpty == true { lines.removeFirst() }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n")
    }
}

/// A recursive-descent evaluator for `#if` conditions.
private struct ConditionParser {
    var text: [Character]
    var index = 0
    let macros: [String: String]

    init(text: [Character], macros: [String: String]) {
        self.text = text
        self.macros = macros
    }

    var atEnd: Bool {
        mutating get {
            skipSpaces()
            return index >= text.count
        }
    }

    mutating func skipSpaces() {
        while index < text.count, text[index] == " " || text[index] == "\t" { index += 1 }
    }

    mutating func consume(_ literal: String) -> Bool {
        skipSpaces()
        let characters = Array(literal)
        guard index + characters.count <= text.count, Array(text[index..<(index + characters.count)]) == characters
        else { return false }
        index += characters.count
        return true
    }

    mutating func parseOr() -> Int64? {
        guard var value = parseAnd() else { return nil }
        while consume("||") {
            guard let rhs = parseAnd() else { return nil }
            value = (value != 0 || rhs != 0) ? 1 : 0
        }
        return value
    }

    mutating func parseAnd() -> Int64? {
        guard var value = parseComparison() else { return nil }
        while consume("&&") {
            guard let rhs = parseComparison() else { return nil }
            value = (value != 0 && rhs != 0) ? 1 : 0
        }
        return value
    }

    mutating func parseAdditive() -> Int64? {
        guard var value = parseUnary() else { return nil }
        while true {
            if consume("+") {
                guard let rhs = parseUnary() else { return nil }
                value = value &+ rhs
            } else if consume("-") {
                guard let rhs = parseUnary() else { return nil }
                value = value &- rhs
            } else if consume("*") {
                guard let rhs = parseUnary() else { return nil }
                value = value &* rhs
            } else {
                return value
            }
        }
    }

    mutating func parseComparison() -> Int64? {
        guard let lhs = parseAdditive() else { return nil }
        for op in ["==", "!=", "<=", ">=", "<", ">"] where consume(op) {
            guard let rhs = parseAdditive() else { return nil }
            switch op {
            case "==": return lhs == rhs ? 1 : 0
            case "!=": return lhs != rhs ? 1 : 0
            case "<=": return lhs <= rhs ? 1 : 0
            case ">=": return lhs >= rhs ? 1 : 0
            case "<": return lhs < rhs ? 1 : 0
            default: return lhs > rhs ? 1 : 0
            }
        }
        return lhs
    }

    mutating func parseUnary() -> Int64? {
        if consume("!") {
            return parseUnary().map { $0 == 0 ? 1 : 0 }
        }
        if consume("(") {
            let value = parseOr()
            return consume(")") ? value : nil
        }
        skipSpaces()
        guard index < text.count else { return nil }
        let start = index
        while index < text.count, text[index].isLetter || text[index].isNumber || text[index] == "_" { index += 1 }
        let word = String(text[start..<index])
        if word.isEmpty { return nil }
        if word == "defined" {
            let parenthesised = consume("(")
            skipSpaces()
            let nameStart = index
            while index < text.count, text[index].isLetter || text[index].isNumber || text[index] == "_" { index += 1 }
            let name = String(text[nameStart..<index])
            if parenthesised && !consume(")") { return nil }
            return macros[name] != nil ? 1 : 0
        }
        if word.first!.isNumber {
            return Preprocessor.parseInteger(word)
        }
        if let value = macros[word] {
            return Preprocessor.parseInteger(value.trimmingSpaces()) ?? (value.isEmpty ? 0 : 1)
        }
        return 0
    }
}

extension StringProtocol {
    /// The string without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        let characters = Array(self)
        var start = 0
        var end = characters.count
        while start < end, characters[start] == " " || characters[start] == "\t" || characters[start] == "\r" {
            start += 1
        }
        while end > start, characters[end - 1] == " " || characters[end - 1] == "\t" || characters[end - 1] == "\r" {
            end -= 1
        }
        return String(characters[start..<end])
    }
}
