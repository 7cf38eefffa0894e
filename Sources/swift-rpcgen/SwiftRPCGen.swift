import ArgumentParser
import Foundation
import XDRCodeGen
import XDRLanguage

/// `swift-rpcgen`: compiles ONC RPC `.x` files to Swift, as rpcgen compiles them to C.
@main
struct SwiftRPCGen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swift-rpcgen",
        abstract: "Generate Swift types, clients and server protocols from ONC RPC .x files.")

    @Option(
        name: .customLong("output-directory"),
        help: "Where to write FILE.swift for each FILE.x (default: next to the input).")
    var outputDirectory: String?

    @Option(name: .customLong("access-level"), help: "public, package or internal.")
    var accessLevel: String = "public"

    @Option(help: "idiomatic (UpperCamel types, lowerCamel members) or verbatim (names as in the .x file).")
    var naming: String = "idiomatic"

    @Option(help: "What to generate: a comma-separated list of types, client, server.")
    var generate: String = "types,client,server"

    @Option(name: .customLong("rename"), help: "A name override, XNAME=SwiftName (repeatable).")
    var renames: [String] = []

    @Option(name: .customShort("I"), help: "A directory to search for #include files (repeatable).")
    var includeDirectories: [String] = []

    @Option(name: .customShort("D"), help: "Define a preprocessor macro, NAME or NAME=VALUE (repeatable).")
    var defines: [String] = []
    @Option(
        name: .customLong("macros-from"),
        help: "A C header whose integer #defines (#define NAME 16) the .x files use, as -D would give them; -D wins (repeatable).")
    var headers: [String] = []
    @Option(
        name: .customLong("type"),
        help: "Map a type name the .x uses but leaves to a C header to an XDR type, NAME=TYPE (repeatable).")
    var typeMappings: [String] = []

    @Option(
        name: .customLong("unit"),
        help: ArgumentHelp(
            "A .x file of the same Swift module whose types these files use; it is generated on its own (repeatable).",
            discussion: "The .x files given as arguments already form one unit: each sees the others' types."))
    var unitFiles: [String] = []
    @Option(
        name: .customLong("use-module"),
        help: "MODULE=FILE.x: FILE.x's types are already generated in the Swift module MODULE; use them from there and import it (repeatable).")
    var moduleFiles: [String] = []
    @Option(
        name: .customLong("stream"),
        help: "A union on bool (TRUE: a value, FALSE: void) that procedures return repeated until FALSE, as NIS ypresp_all: they return every value (repeatable).")
    var streamedTypes: [String] = []
    @Flag(help: "Compile each .x file on its own, not as one unit.")
    var separately = false

    @Flag(help: "Only parse and check the files; write nothing.")
    var check = false

    @Argument(help: "The .x files to compile.")
    var files: [String]

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one .x file") }
        guard GeneratorOptions.AccessLevel(rawValue: accessLevel) != nil else {
            throw ValidationError("--access-level must be public, package or internal")
        }
        guard GeneratorOptions.Naming(rawValue: naming) != nil else {
            throw ValidationError("--naming must be idiomatic or verbatim")
        }
    }

    func run() throws {
        var parts: GeneratorOptions.Parts = []
        for part in generate.split(separator: ",") {
            switch part.trimmingCharacters(in: .whitespaces) {
            case "types": parts.insert(.types)
            case "client": parts.insert(.client)
            case "server": parts.insert(.server)
            default: throw ValidationError("--generate takes types, client and server, not '\(part)'")
            }
        }
        var overrides: [String: String] = [:]
        for rename in renames {
            let pieces = rename.split(separator: "=", maxSplits: 1).map(String.init)
            guard pieces.count == 2 else { throw ValidationError("--rename takes XNAME=SwiftName, not '\(rename)'") }
            overrides[pieces[0]] = pieces[1]
        }
        let options = GeneratorOptions(
            accessLevel: GeneratorOptions.AccessLevel(rawValue: accessLevel)!,
            naming: GeneratorOptions.Naming(rawValue: naming)!,
            parts: parts,
            nameOverrides: overrides)
        var macros = ["RPC_HDR": "1"]
        for header in headers {
            for (name, value) in Preprocessor.integerMacros(inHeader: try Self.read(header)) {
                macros[name] = value
            }
        }
        for define in defines {
            let pieces = define.split(separator: "=", maxSplits: 1).map(String.init)
            macros[pieces[0]] = pieces.count == 2 ? pieces[1] : "1"
        }

        var imported: [String] = []
        var unit: [(file: String, contents: String)] = []
        for entry in moduleFiles {
            let pieces = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard pieces.count == 2, !pieces[0].isEmpty else {
                throw ValidationError("--use-module takes MODULE=FILE.x, not '\(entry)'")
            }
            if !imported.contains(pieces[0]) { imported.append(pieces[0]) }
            unit.append((pieces[1], try Self.read(pieces[1])))
        }
        for file in unitFiles + (separately ? [] : files) {
            unit.append((file, try Self.read(file)))
        }
        var moduleOptions = options
        moduleOptions.importedModules = imported
        moduleOptions.streamedTypes = Set(streamedTypes)

        var failed = false
        for file in files {
            do {
                try compile(file: file, options: moduleOptions, macros: macros, unit: unit)
            } catch let failure as CompilationFailed {
                for diagnostic in failure.diagnostics {
                    FileHandle.standardError.write(Data((diagnostic.description + "\n").utf8))
                }
                failed = true
            }
        }
        if failed {
            throw ExitCode.failure
        }
    }

    /// The text of `file`, or a diagnostic that it cannot be read.
    static func read(_ file: String) throws(CompilationFailed) -> String {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw CompilationFailed(diagnostics: [
                Diagnostic(.error, "cannot read the file", at: SourceLocation(file: file, line: 1, column: 1))
            ])
        }
        return String(decoding: data, as: UTF8.self)
    }

    private func compile(
        file: String, options: GeneratorOptions, macros: [String: String], unit: [(file: String, contents: String)]
    ) throws {
        let contents = try Self.read(file)
        let searchPath = includeDirectories
        let loader: Preprocessor.IncludeLoader = { path, from in
            let fromDirectory = (from as NSString).deletingLastPathComponent
            let candidates =
                [(fromDirectory as NSString).appendingPathComponent(path)]
                + searchPath.map { ($0 as NSString).appendingPathComponent(path) }
            for candidate in candidates {
                if let data = FileManager.default.contents(atPath: candidate) {
                    return (candidate, String(decoding: data, as: UTF8.self))
                }
            }
            return nil
        }
        var typeNames: [String: String] = [:]
        for mapping in typeMappings {
            let pieces = mapping.split(separator: "=", maxSplits: 1).map(String.init)
            guard pieces.count == 2 else { throw ValidationError("--type takes NAME=TYPE, not '\(mapping)'") }
            typeNames[pieces[0]] = pieces[1]
        }
        let (checked, diagnostics) = try XDRFrontEnd.compile(
            file: file, contents: contents, macros: macros, loadInclude: loader, typeNames: typeNames, unit: unit)
        for diagnostic in diagnostics where diagnostic.severity != .note {
            FileHandle.standardError.write(Data((diagnostic.description + "\n").utf8))
        }
        if check { return }
        let baseName = (file as NSString).lastPathComponent
        var generator = SwiftGenerator(specification: checked, options: options, sourceName: baseName)
        let swift = try generator.generate()
        let stem = (baseName as NSString).deletingPathExtension
        let directory = outputDirectory ?? (file as NSString).deletingLastPathComponent
        let output = ((directory.isEmpty ? "." : directory) as NSString).appendingPathComponent(stem + ".swift")
        try FileManager.default.createDirectory(
            atPath: (output as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        // Rewrite only when the text changes, so build systems see no spurious change.
        if let existing = FileManager.default.contents(atPath: output), existing == Data(swift.utf8) {
            return
        }
        try Data(swift.utf8).write(to: URL(fileURLWithPath: output))
    }
}
