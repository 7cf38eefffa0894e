// Fuzzes the .x front end (preprocessor, lexer, parser, checker) and the Swift generator with
// arbitrary text. Either the text compiles to Swift, or it fails with diagnostics, each placed
// at a line and column inside the text; nothing crashes, and compiling is deterministic.
import XDRCodeGen
import XDRLanguage

/// Compiles `text`; returns the Swift, or the diagnostics.
func compile(_ text: String) -> Result<String, CompilationFailed> {
    do {
        let (checked, _) = try XDRFrontEnd.compile(file: "fuzz.x", contents: text)
        var generator = SwiftGenerator(specification: checked, options: GeneratorOptions(), sourceName: "fuzz.x")
        return .success(try generator.generate())
    } catch {
        return .failure(error)
    }
}

/// One input: returns 0, or traps.
func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let first = compile(text)
    switch first {
    case .success:
        break
    case .failure(let failure):
        guard failure.diagnostics.contains(where: { $0.severity == .error }) else {
            fatalError("compilation failed without an error: \(failure)")
        }
        // Lines (split at newline bytes of the text's UTF-8, as the lexer reads it: invalid bytes
        // are replaced, and "\r\n" stays two bytes) count from 1; columns count bytes from 1 and
        // may point one past the end of a line.
        let lines = Array(text.utf8).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for diagnostic in failure.diagnostics where diagnostic.location.file == "fuzz.x" {
            let location = diagnostic.location
            guard location.line >= 1, location.line <= lines.count, location.column >= 1,
                location.column <= lines[location.line - 1].count + 1
            else {
                fatalError("a diagnostic outside the text: \(diagnostic)")
            }
        }
    }
    guard "\(compile(text))" == "\(first)" else { fatalError("compiling twice gave different results") }
    return 0
}
