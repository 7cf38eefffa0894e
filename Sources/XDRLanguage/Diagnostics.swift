/// A position in a `.x` file.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    /// The file name as given to the compiler (no directory is added).
    public var file: String
    /// 1-based line.
    public var line: Int
    /// 1-based column.
    public var column: Int

    /// Creates a location.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}

/// A message about a `.x` file, printed as `file.x:LINE:COL: error: message`.
public struct Diagnostic: Error, Hashable, Sendable, CustomStringConvertible {
    /// How serious the message is.
    public enum Severity: String, Hashable, Sendable {
        /// The input cannot be compiled.
        case error
        /// The input compiles, but something is probably wrong.
        case warning
        /// Information, such as a pass-through line being ignored.
        case note
    }

    /// How serious it is.
    public var severity: Severity
    /// What it says.
    public var message: String
    /// Where it points.
    public var location: SourceLocation

    /// Creates a diagnostic.
    public init(_ severity: Severity, _ message: String, at location: SourceLocation) {
        self.severity = severity
        self.message = message
        self.location = location
    }

    public var description: String { "\(location): \(severity.rawValue): \(message)" }
}

/// The diagnostics of a compilation that failed.
public struct CompilationFailed: Error, Sendable, CustomStringConvertible {
    /// Every diagnostic, errors first in source order.
    public var diagnostics: [Diagnostic]

    /// Creates the error.
    public init(diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
