/// An error thrown while decoding XDR (RFC 4506) data.
///
/// It says what went wrong (``code``), where in the input (``offset``, counted from the first
/// byte the decode started at) and, where known, in which field (``fieldPath``, outermost first).
public struct XDRDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of decoding failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        @usableFromInline
        enum Base: Hashable, Sendable {
            case truncated
            case lengthExceedsMaximum
            case invalidBool
            case invalidEnumValue
            case invalidUnionDiscriminant
            case nonZeroPadding
            case invalidUTF8
            case depthLimitExceeded
            case allocationLimitExceeded
            case trailingBytes
            case invalidValue
        }

        @usableFromInline
        let base: Base

        @usableFromInline
        init(_ base: Base) { self.base = base }

        /// The input ended before the value did.
        public static let truncated = Code(.truncated)
        /// A length or count read from the input is larger than the declared maximum.
        public static let lengthExceedsMaximum = Code(.lengthExceedsMaximum)
        /// A `bool` was neither 0 nor 1 (strict decoding only).
        public static let invalidBool = Code(.invalidBool)
        /// An `enum` value is not one of the declared identifiers.
        public static let invalidEnumValue = Code(.invalidEnumValue)
        /// A union's discriminant matches no arm and the union has no `default` arm.
        public static let invalidUnionDiscriminant = Code(.invalidUnionDiscriminant)
        /// A padding byte was not zero (strict padding only).
        public static let nonZeroPadding = Code(.nonZeroPadding)
        /// A `string` is not valid UTF-8.
        public static let invalidUTF8 = Code(.invalidUTF8)
        /// Optional data or nested values are deeper than ``XDRDecodingOptions/maximumDepth``.
        public static let depthLimitExceeded = Code(.depthLimitExceeded)
        /// The decode would allocate more than ``XDRDecodingOptions/maximumAllocation`` bytes.
        public static let allocationLimitExceeded = Code(.allocationLimitExceeded)
        /// Bytes were left over after a complete value.
        public static let trailingBytes = Code(.trailingBytes)
        /// A value is out of the range its type allows (for example a fixed-size field).
        public static let invalidValue = Code(.invalidValue)

        public var description: String {
            switch base {
            case .truncated: "truncated"
            case .lengthExceedsMaximum: "lengthExceedsMaximum"
            case .invalidBool: "invalidBool"
            case .invalidEnumValue: "invalidEnumValue"
            case .invalidUnionDiscriminant: "invalidUnionDiscriminant"
            case .nonZeroPadding: "nonZeroPadding"
            case .invalidUTF8: "invalidUTF8"
            case .depthLimitExceeded: "depthLimitExceeded"
            case .allocationLimitExceeded: "allocationLimitExceeded"
            case .trailingBytes: "trailingBytes"
            case .invalidValue: "invalidValue"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// The byte offset of the offending value, from where decoding started.
    public var offset: Int
    /// The fields that enclose the failure, outermost first (empty when unknown).
    public var fieldPath: [String]
    /// A human-readable explanation.
    public var message: String

    /// Creates a decoding error.
    public init(code: Code, offset: Int, message: String, fieldPath: [String] = []) {
        self.code = code
        self.offset = offset
        self.message = message
        self.fieldPath = fieldPath
    }

    public var description: String {
        let path = fieldPath.isEmpty ? "" : " in \(fieldPath.joined(separator: "."))"
        return "XDR decoding error (\(code)) at offset \(offset)\(path): \(message)"
    }
}
