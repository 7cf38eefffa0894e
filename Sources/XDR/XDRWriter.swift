public import NIOCore

/// Appends XDR (RFC 4506) encodings to a `ByteBuffer`.
///
/// Every item is big-endian and padded with zero bytes to a multiple of four. Methods that take
/// a maximum length throw ``XDREncodingError`` when the value is longer, so a peer is never
/// sent something it must reject.
public struct XDRWriter {
    /// The bytes written so far (and whatever the buffer held before).
    public var buffer: ByteBuffer

    /// Creates a writer that appends to `buffer`.
    @inlinable
    public init(buffer: ByteBuffer) {
        self.buffer = buffer
    }

    /// Creates a writer with a new buffer of `capacity` bytes.
    @inlinable
    public init(capacity: Int = 256) {
        self.buffer = ByteBufferAllocator().buffer(capacity: capacity)
    }

    // MARK: Fixed-size items

    /// Writes an XDR `int`.
    @inlinable
    public mutating func writeInt32(_ value: Int32) {
        buffer.writeInteger(value, endianness: .big)
    }

    /// Writes an XDR `unsigned int`.
    @inlinable
    public mutating func writeUInt32(_ value: UInt32) {
        buffer.writeInteger(value, endianness: .big)
    }

    /// Writes an XDR `hyper`.
    @inlinable
    public mutating func writeInt64(_ value: Int64) {
        buffer.writeInteger(value, endianness: .big)
    }

    /// Writes an XDR `unsigned hyper`.
    @inlinable
    public mutating func writeUInt64(_ value: UInt64) {
        buffer.writeInteger(value, endianness: .big)
    }

    /// Writes an XDR `bool` (0 or 1).
    @inlinable
    public mutating func writeBool(_ value: Bool) {
        buffer.writeInteger(value ? 1 as UInt32 : 0, endianness: .big)
    }

    /// Writes an XDR `float`: the IEEE single-precision bit pattern, unchanged.
    @inlinable
    public mutating func writeFloat(_ value: Float) {
        buffer.writeInteger(value.bitPattern, endianness: .big)
    }

    /// Writes an XDR `double`: the IEEE double-precision bit pattern, unchanged.
    @inlinable
    public mutating func writeDouble(_ value: Double) {
        buffer.writeInteger(value.bitPattern, endianness: .big)
    }

    /// Writes an XDR `quadruple`: its 16 bytes, unchanged.
    @inlinable
    public mutating func writeQuadruple(_ value: XDRQuadruple) {
        buffer.writeInteger(value.highBits, endianness: .big)
        buffer.writeInteger(value.lowBits, endianness: .big)
    }

    /// Writes an XDR `enum` from its raw value.
    @inlinable
    public mutating func writeEnum<E: RawRepresentable>(_ value: E) where E.RawValue == Int32 {
        buffer.writeInteger(value.rawValue, endianness: .big)
    }

    // MARK: Padding

    /// Writes the zero bytes that pad `length` bytes of data to a multiple of four.
    @inlinable
    public mutating func writePadding(forLength length: Int) {
        let pad = (4 - (length & 3)) & 3
        if pad != 0 {
            buffer.writeRepeatingByte(0, count: pad)
        }
    }

    // MARK: Opaque data and strings

    /// Writes fixed-length opaque data (`opaque x[length]`): exactly `length` bytes plus padding.
    @inlinable
    public mutating func writeFixedOpaque(_ bytes: ByteBuffer, length: Int) throws {
        guard bytes.readableBytes == length else {
            throw XDREncodingError.fixedLength(bytes.readableBytes, expected: length, what: "opaque")
        }
        buffer.writeImmutableBuffer(bytes)
        writePadding(forLength: length)
    }

    /// Writes fixed-length opaque data (`opaque x[length]`) from a collection of bytes.
    @inlinable
    public mutating func writeFixedOpaque<Bytes: Collection<UInt8>>(bytes: Bytes, length: Int) throws {
        guard bytes.count == length else {
            throw XDREncodingError.fixedLength(bytes.count, expected: length, what: "opaque")
        }
        buffer.writeBytes(bytes)
        writePadding(forLength: length)
    }

    /// Writes variable-length opaque data (`opaque x<maxLength>`): a length, the bytes, padding.
    @inlinable
    public mutating func writeVariableOpaque(_ bytes: ByteBuffer, maxLength: Int? = nil) throws {
        try writeLengthPrefixed(bytes, maxLength: maxLength, what: "opaque")
    }

    /// Writes variable-length opaque data (`opaque x<maxLength>`) from a collection of bytes.
    @inlinable
    public mutating func writeVariableOpaque<Bytes: Collection<UInt8>>(bytes: Bytes, maxLength: Int? = nil) throws {
        let length = bytes.count
        try checkLength(length, maxLength: maxLength, what: "opaque")
        buffer.writeInteger(UInt32(truncatingIfNeeded: length), endianness: .big)
        buffer.writeBytes(bytes)
        writePadding(forLength: length)
    }

    /// Writes an XDR `string<maxLength>` as its UTF-8 bytes.
    @inlinable
    public mutating func writeString(_ string: String, maxLength: Int? = nil) throws {
        let length = string.utf8.count
        try checkLength(length, maxLength: maxLength, what: "string")
        buffer.writeInteger(UInt32(truncatingIfNeeded: length), endianness: .big)
        buffer.writeString(string)
        writePadding(forLength: length)
    }

    /// Writes an XDR `string<maxLength>` from raw bytes (for peers whose strings are not UTF-8).
    @inlinable
    public mutating func writeStringBytes(_ bytes: ByteBuffer, maxLength: Int? = nil) throws {
        try writeLengthPrefixed(bytes, maxLength: maxLength, what: "string")
    }

    /// Writes a length, `bytes` and padding: the layout of variable opaque data and strings.
    @inlinable
    mutating func writeLengthPrefixed(_ bytes: ByteBuffer, maxLength: Int?, what: StaticString) throws {
        let length = bytes.readableBytes
        try checkLength(length, maxLength: maxLength, what: what)
        buffer.writeInteger(UInt32(truncatingIfNeeded: length), endianness: .big)
        buffer.writeImmutableBuffer(bytes)
        writePadding(forLength: length)
    }

    // MARK: Arrays, optional data, nested values

    /// Writes any encodable value.
    @inlinable
    public mutating func write<T: XDREncodable>(_ value: T) throws {
        try value.encode(to: &self)
    }

    /// Writes a value, naming `field` in the path of any error it throws.
    @inlinable
    public mutating func write<T: XDREncodable>(_ value: T, field: String) throws {
        do {
            try value.encode(to: &self)
        } catch let error as XDREncodingError {
            throw error.inField(field)
        }
    }

    /// Runs `body`, naming `field` in the path of any encoding error it throws.
    @inlinable
    public mutating func withField<R>(_ field: String, _ body: (inout XDRWriter) throws -> R) throws -> R {
        do {
            return try body(&self)
        } catch let error as XDREncodingError {
            throw error.inField(field)
        }
    }

    /// Writes a variable-length array (`T x<maxCount>`): a count, then each element.
    @inlinable
    public mutating func writeArray<T: XDREncodable>(_ elements: [T], maxCount: Int? = nil) throws {
        try checkLength(elements.count, maxLength: maxCount, what: "array")
        buffer.writeInteger(UInt32(truncatingIfNeeded: elements.count), endianness: .big)
        for element in elements {
            try element.encode(to: &self)
        }
    }

    /// Writes a variable-length array whose elements are written by `element`.
    @inlinable
    public mutating func writeArray<T>(
        _ elements: [T],
        maxCount: Int? = nil,
        element: (inout XDRWriter, T) throws -> Void
    ) throws {
        try checkLength(elements.count, maxLength: maxCount, what: "array")
        buffer.writeInteger(UInt32(truncatingIfNeeded: elements.count), endianness: .big)
        for value in elements {
            try element(&self, value)
        }
    }

    /// Writes a fixed-length array (`T x[count]`): each element, no count.
    @inlinable
    public mutating func writeFixedArray<T: XDREncodable>(_ elements: [T], count: Int) throws {
        guard elements.count == count else {
            throw XDREncodingError.fixedLength(elements.count, expected: count, what: "array")
        }
        for element in elements {
            try element.encode(to: &self)
        }
    }

    /// Writes a fixed-length array whose elements are written by `element`.
    @inlinable
    public mutating func writeFixedArray<T>(
        _ elements: [T],
        count: Int,
        element: (inout XDRWriter, T) throws -> Void
    ) throws {
        guard elements.count == count else {
            throw XDREncodingError.fixedLength(elements.count, expected: count, what: "array")
        }
        for value in elements {
            try element(&self, value)
        }
    }

    /// Writes optional data (`T *x`): a bool, then the value when present.
    @inlinable
    public mutating func writeOptional<T: XDREncodable>(_ value: T?) throws {
        if let value {
            writeBool(true)
            try value.encode(to: &self)
        } else {
            writeBool(false)
        }
    }

    /// Writes optional data whose value is written by `body`.
    @inlinable
    public mutating func writeOptional<T>(_ value: T?, _ body: (inout XDRWriter, T) throws -> Void) throws {
        if let value {
            writeBool(true)
            try body(&self, value)
        } else {
            writeBool(false)
        }
    }

    @inlinable
    func checkLength(_ length: Int, maxLength: Int?, what: StaticString) throws {
        if let maxLength, length > maxLength {
            throw XDREncodingError.tooLong(length, maximum: maxLength, what: what)
        }
        if length > Int(UInt32.max) {
            throw XDREncodingError.tooLong(length, maximum: Int(UInt32.max), what: what)
        }
    }
}

extension XDREncodingError {
    @usableFromInline
    static func tooLong(_ length: Int, maximum: Int, what: StaticString) -> XDREncodingError {
        XDREncodingError(
            code: .lengthExceedsMaximum,
            message: "\(what) of length \(length) exceeds its maximum of \(maximum)"
        )
    }

    @usableFromInline
    static func fixedLength(_ length: Int, expected: Int, what: StaticString) -> XDREncodingError {
        XDREncodingError(
            code: .fixedLengthMismatch,
            message: "fixed-length \(what) has \(length) elements, declared size is \(expected)"
        )
    }

    /// Returns this error with `field` prepended to its field path.
    @usableFromInline
    func inField(_ field: String) -> XDREncodingError {
        var copy = self
        copy.fieldPath.insert(field, at: 0)
        return copy
    }
}
