/// An error thrown while encoding a value as XDR (RFC 4506).
public struct XDREncodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of encoding failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        @usableFromInline
        enum Base: Hashable, Sendable {
            case lengthExceedsMaximum
            case fixedLengthMismatch
            case invalidValue
        }

        @usableFromInline
        let base: Base

        @usableFromInline
        init(_ base: Base) { self.base = base }

        /// A string, opaque or array is longer than its declared maximum.
        public static let lengthExceedsMaximum = Code(.lengthExceedsMaximum)
        /// A fixed-size opaque or array does not have exactly its declared size.
        public static let fixedLengthMismatch = Code(.fixedLengthMismatch)
        /// A value cannot be represented in XDR (for example a union arm that needs a discriminant).
        public static let invalidValue = Code(.invalidValue)

        public var description: String {
            switch base {
            case .lengthExceedsMaximum: "lengthExceedsMaximum"
            case .fixedLengthMismatch: "fixedLengthMismatch"
            case .invalidValue: "invalidValue"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// The fields that enclose the failure, outermost first (empty when unknown).
    public var fieldPath: [String]
    /// A human-readable explanation.
    public var message: String

    /// Creates an encoding error.
    public init(code: Code, message: String, fieldPath: [String] = []) {
        self.code = code
        self.message = message
        self.fieldPath = fieldPath
    }

    public var description: String {
        let path = fieldPath.isEmpty ? "" : " in \(fieldPath.joined(separator: "."))"
        return "XDR encoding error (\(code))\(path): \(message)"
    }
}
