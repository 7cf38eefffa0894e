public import NIOCore

/// Reads XDR (RFC 4506) encodings from a `ByteBuffer`, treating the input as hostile.
///
/// Every length and count is checked against its declared maximum and against the bytes that
/// remain before anything is allocated; the total allocated is bounded by
/// ``XDRDecodingOptions/maximumAllocation`` and nesting by ``XDRDecodingOptions/maximumDepth``.
/// Opaque data is returned as a slice of the input buffer, not a copy.
///
/// The reader loads straight from the buffer's memory, as libtirpc's `xdrmem` does: each item
/// costs one bounds comparison and a load.
public struct XDRReader {
    /// The input. Its reader index is brought up to date when it is read through ``buffer``;
    /// `position` is the truth while reading.
    @usableFromInline
    var storage: ByteBuffer
    /// The first byte of `storage`'s memory; valid while `storage` is held and not mutated.
    @usableFromInline
    var base: UnsafeRawPointer?
    /// The index in `storage` of the next byte to read.
    @usableFromInline
    var position: Int
    /// The index in `storage` just past the last readable byte (its writer index).
    @usableFromInline
    var end: Int

    /// The limits and strictness in force.
    public let options: XDRDecodingOptions

    @usableFromInline
    let origin: Int
    @usableFromInline
    var depth: Int = 0
    @usableFromInline
    var allocationBudget: Int

    /// The remaining input; its reader index advances as values are read.
    @inlinable
    public var buffer: ByteBuffer {
        get {
            var current = storage
            current.moveReaderIndex(to: position)
            return current
        }
        _modify {
            storage.moveReaderIndex(to: position)
            defer { attach() }
            yield &storage
        }
        set {
            storage = newValue
            attach()
        }
    }

    /// Creates a reader over the readable bytes of `buffer`.
    @inlinable
    public init(buffer: ByteBuffer, options: XDRDecodingOptions = .default) {
        self.storage = buffer
        self.base = nil
        self.position = 0
        self.end = 0
        self.options = options
        self.origin = buffer.readerIndex
        self.allocationBudget = options.maximumAllocation
        attach()
    }

    /// Takes `storage`'s memory for direct loads.
    @inlinable
    mutating func attach() {
        position = storage.readerIndex
        end = storage.writerIndex
        base = storage.withVeryUnsafeBytes { $0.baseAddress }
    }

    /// Loads a big-endian integer at the read position and moves past it, or returns `nil` when
    /// too few bytes remain.
    @inlinable
    @inline(__always)
    mutating func load<T: FixedWidthInteger>(_ type: T.Type) -> T? {
        let size = MemoryLayout<T>.size
        guard end &- position >= size else { return nil }
        let value = base.unsafelyUnwrapped.loadUnaligned(fromByteOffset: position, as: T.self)
        position &+= size
        return T(bigEndian: value)
    }

    /// The `count` bytes at the read position, without moving past them. The caller has checked
    /// that they are there.
    @inlinable
    func bytes(count: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: count == 0 ? nil : base.unsafelyUnwrapped + position, count: count)
    }

    /// The number of bytes consumed so far.
    @inlinable
    public var offset: Int { position - origin }

    /// The number of bytes not yet read.
    @inlinable
    public var remainingBytes: Int { end - position }

    /// Throws ``XDRDecodingError/Code/trailingBytes`` unless every byte has been read.
    @inlinable
    public func expectEnd() throws {
        if remainingBytes != 0 {
            throw XDRDecodingError(
                code: .trailingBytes,
                offset: offset,
                message: "\(remainingBytes) bytes left after a complete value"
            )
        }
    }

    /// Builds an error of `code` at `offset` (defaults to the current offset).
    @inlinable
    public func error(_ code: XDRDecodingError.Code, _ message: String, at offset: Int? = nil) -> XDRDecodingError {
        XDRDecodingError(code: code, offset: offset ?? self.offset, message: message)
    }

    @usableFromInline
    func truncated(needing count: Int, what: StaticString) -> XDRDecodingError {
        XDRDecodingError(
            code: .truncated,
            offset: offset,
            message: "needed \(count) bytes for \(what), \(remainingBytes) remain"
        )
    }

    // MARK: Fixed-size items

    /// Reads an XDR `int`.
    @inlinable
    @inline(__always)
    public mutating func readInt32() throws -> Int32 {
        guard let value = load(Int32.self) else {
            throw truncated(needing: 4, what: "int")
        }
        return value
    }

    /// Reads an XDR `unsigned int`.
    @inlinable
    @inline(__always)
    public mutating func readUInt32() throws -> UInt32 {
        guard let value = load(UInt32.self) else {
            throw truncated(needing: 4, what: "unsigned int")
        }
        return value
    }

    /// Reads an XDR `hyper`.
    @inlinable
    @inline(__always)
    public mutating func readInt64() throws -> Int64 {
        guard let value = load(Int64.self) else {
            throw truncated(needing: 8, what: "hyper")
        }
        return value
    }

    /// Reads an XDR `unsigned hyper`.
    @inlinable
    @inline(__always)
    public mutating func readUInt64() throws -> UInt64 {
        guard let value = load(UInt64.self) else {
            throw truncated(needing: 8, what: "unsigned hyper")
        }
        return value
    }

    /// Reads an XDR `bool`. Values other than 0 and 1 are an error unless
    /// ``XDRDecodingOptions/strictBool`` is off, when any non-zero value is `true`.
    @inlinable
    @inline(__always)
    public mutating func readBool() throws -> Bool {
        guard let value = load(UInt32.self) else {
            throw truncated(needing: 4, what: "bool")
        }
        switch value {
        case 0: return false
        case 1: return true
        default:
            if options.strictBool {
                throw invalidBool(value)
            }
            return true
        }
    }

    @usableFromInline
    func invalidBool(_ value: UInt32) -> XDRDecodingError {
        XDRDecodingError(code: .invalidBool, offset: offset - 4, message: "bool has value \(value), not 0 or 1")
    }

    /// Reads an XDR `float`, keeping its bit pattern exactly (NaN payloads included).
    @inlinable
    @inline(__always)
    public mutating func readFloat() throws -> Float {
        guard let bits = load(UInt32.self) else {
            throw truncated(needing: 4, what: "float")
        }
        return Float(bitPattern: bits)
    }

    /// Reads an XDR `double`, keeping its bit pattern exactly (NaN payloads included).
    @inlinable
    @inline(__always)
    public mutating func readDouble() throws -> Double {
        guard let bits = load(UInt64.self) else {
            throw truncated(needing: 8, what: "double")
        }
        return Double(bitPattern: bits)
    }

    /// Reads an XDR `quadruple` as its 16 bytes.
    @inlinable
    public mutating func readQuadruple() throws -> XDRQuadruple {
        guard remainingBytes >= 16, let high = load(UInt64.self), let low = load(UInt64.self) else {
            throw truncated(needing: 16, what: "quadruple")
        }
        return XDRQuadruple(highBits: high, lowBits: low)
    }

    /// Reads an XDR `enum`, rejecting values that are not declared cases.
    @inlinable
    @inline(__always)
    public mutating func readEnum<E: RawRepresentable>(_ type: E.Type = E.self) throws -> E where E.RawValue == Int32 {
        let raw = try readInt32()
        guard let value = E(rawValue: raw) else {
            throw enumError(raw, E.self)
        }
        return value
    }

    /// The error for `raw`, just read, which is no value of `type`.
    @usableFromInline
    @inline(never)
    func enumError(_ raw: Int32, _ type: Any.Type) -> XDRDecodingError {
        XDRDecodingError(code: .invalidEnumValue, offset: offset - 4, message: "\(raw) is not a value of enum \(type)")
    }

    // MARK: Padding

    /// Skips the padding after `length` bytes of data, checking it is zero under strict padding.
    @inlinable
    @inline(__always)
    public mutating func skipPadding(forLength length: Int) throws {
        let pad = xdrPadding(forLength: length)
        guard pad != 0 else { return }
        guard _fastPath(remainingBytes >= pad) else {
            throw truncated(needing: pad, what: "padding")
        }
        if options.strictPadding {
            // One to three bytes: gather them and compare once.
            let padding = bytes(count: pad)
            var bits: UInt32 = 0
            for index in 0..<pad { bits |= UInt32(padding.load(fromByteOffset: index, as: UInt8.self)) }
            if _slowPath(bits != 0) { throw nonZeroPadding(pad) }
        }
        position &+= pad
    }

    /// The error for padding of `count` bytes at the read position that are not all zero.
    @usableFromInline
    @inline(never)
    func nonZeroPadding(_ count: Int) -> XDRDecodingError {
        let padding = bytes(count: count)
        var index = 0
        while index < count - 1, padding.load(fromByteOffset: index, as: UInt8.self) == 0 { index += 1 }
        return XDRDecodingError(code: .nonZeroPadding, offset: offset + index, message: "padding byte is not zero")
    }

    // MARK: Lengths and budgets

    /// Reads a length or count and checks it against `maxLength` and against what the remaining
    /// input can hold, given that each unit occupies at least `minimumUnitSize` bytes.
    @inlinable
    @inline(__always)
    public mutating func readLength(maxLength: Int?, minimumUnitSize: Int, what: StaticString) throws -> Int {
        let length = Int(try readUInt32())
        if let maxLength, _slowPath(length > maxLength) {
            throw lengthError(length, maxLength: maxLength, what: what)
        }
        // Inlined, the division is by a constant of the generated code (often 1 or 4).
        if minimumUnitSize > 0, _slowPath(length > remainingBytes / minimumUnitSize) {
            throw lengthError(length, maxLength: nil, what: what)
        }
        return length
    }

    /// The error for a length just read that is over `maxLength`, or that the remaining input
    /// cannot hold when `maxLength` is nil.
    @usableFromInline
    @inline(never)
    func lengthError(_ length: Int, maxLength: Int?, what: StaticString) -> XDRDecodingError {
        if let maxLength {
            return XDRDecodingError(
                code: .lengthExceedsMaximum,
                offset: offset - 4,
                message: "\(what) length \(length) exceeds its maximum of \(maxLength)"
            )
        }
        return XDRDecodingError(
            code: .truncated,
            offset: offset - 4,
            message: "\(what) length \(length) needs more than the \(remainingBytes) bytes remaining"
        )
    }

    /// Charges `bytes` against the allocation budget of this decode.
    @inlinable
    @inline(__always)
    public mutating func reserveAllocation(_ bytes: Int) throws {
        guard _fastPath(bytes <= allocationBudget) else { throw allocationError(bytes) }
        allocationBudget &-= bytes
    }

    /// The error for an allocation of `bytes` over the remaining budget.
    @usableFromInline
    @inline(never)
    func allocationError(_ bytes: Int) -> XDRDecodingError {
        XDRDecodingError(
            code: .allocationLimitExceeded,
            offset: offset,
            message: "decoding would allocate \(bytes) more bytes, over the limit of \(options.maximumAllocation)"
        )
    }

    /// Runs `body` one nesting level deeper, failing when ``XDRDecodingOptions/maximumDepth``
    /// would be exceeded.
    @inlinable
    @inline(__always)
    public mutating func nested<R>(_ body: (inout XDRReader) throws -> R) throws -> R {
        guard depth < options.maximumDepth else {
            throw XDRDecodingError(
                code: .depthLimitExceeded,
                offset: offset,
                message: "nesting deeper than \(options.maximumDepth)"
            )
        }
        depth += 1
        defer { depth -= 1 }
        return try body(&self)
    }

    // MARK: Opaque data and strings

    /// Reads fixed-length opaque data (`opaque x[length]`) as a slice of the input.
    @inlinable
    @inline(__always)
    public mutating func readFixedOpaque(length: Int) throws -> ByteBuffer {
        let pad = xdrPadding(forLength: length)
        guard length >= 0, remainingBytes - length >= pad, let bytes = storage.getSlice(at: position, length: length)
        else {
            throw truncated(needing: length &+ pad, what: "fixed opaque")
        }
        position &+= length
        try skipPadding(forLength: length)
        return bytes
    }

    /// Reads variable-length opaque data (`opaque x<maxLength>`) as a slice of the input.
    @inlinable
    @inline(__always)
    public mutating func readVariableOpaque(maxLength: Int? = nil) throws -> ByteBuffer {
        let length = try readLength(maxLength: maxLength, minimumUnitSize: 1, what: "opaque")
        return try readFixedOpaque(length: length)
    }

    /// Reads variable-length opaque data into a new array (counted against the allocation budget).
    @inlinable
    public mutating func readVariableOpaqueBytes(maxLength: Int? = nil) throws -> [UInt8] {
        let length = try readLength(maxLength: maxLength, minimumUnitSize: 1, what: "opaque")
        try reserveAllocation(length)
        let array = [UInt8](bytes(count: length))
        position &+= length
        try skipPadding(forLength: length)
        return array
    }

    /// Reads an XDR `string<maxLength>`, which must be valid UTF-8.
    @inlinable
    @inline(__always)
    public mutating func readString(maxLength: Int? = nil) throws -> String {
        let start = offset
        let length = try readLength(maxLength: maxLength, minimumUnitSize: 1, what: "string")
        try reserveAllocation(length)
        // readLength has checked that the bytes are there.
        let utf8 = bytes(count: length).assumingMemoryBound(to: UInt8.self)
        // ASCII, the common case, needs no validation beyond its top bits.
        let validated =
            Self.isASCII(utf8) ? String(decoding: utf8, as: UTF8.self) : String(validating: utf8, as: UTF8.self)
        guard let string = validated else {
            throw XDRDecodingError(code: .invalidUTF8, offset: start + 4, message: "string is not valid UTF-8")
        }
        position &+= length
        try skipPadding(forLength: length)
        return string
    }

    /// Whether every byte is below 0x80, tested a word at a time: the last word overlaps the one
    /// before it rather than testing the tail byte by byte.
    @inlinable
    static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let start = bytes.baseAddress else { return true }
        let raw = UnsafeRawPointer(start)
        let count = bytes.count
        var bits: UInt64
        if count >= 8 {
            bits = raw.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
            var index = 0
            while index &+ 8 < count {
                bits |= raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                index &+= 8
            }
        } else if count >= 4 {
            let head = raw.loadUnaligned(as: UInt32.self)
            let tail = raw.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self)
            bits = UInt64(head | tail)
        } else {
            bits = 0
            for index in 0..<count {
                bits |= UInt64(bytes[index])
            }
        }
        return bits & 0x8080_8080_8080_8080 == 0
    }

    /// Reads an XDR `string<maxLength>` as raw bytes, for peers whose strings are not UTF-8.
    @inlinable
    public mutating func readStringBytes(maxLength: Int? = nil) throws -> ByteBuffer {
        let length = try readLength(maxLength: maxLength, minimumUnitSize: 1, what: "string")
        return try readFixedOpaque(length: length)
    }

    // MARK: Arrays, optional data, nested values

    /// Reads any decodable value.
    @inlinable
    public mutating func read<T: XDRDecodable>(_ type: T.Type = T.self) throws -> T {
        try T(from: &self)
    }

    /// Reads a value, naming `field` in the path of any error it throws.
    @inlinable
    public mutating func read<T: XDRDecodable>(_ type: T.Type = T.self, field: String) throws -> T {
        do {
            return try T(from: &self)
        } catch let error as XDRDecodingError {
            throw error.inField(field)
        }
    }

    /// Runs `body`, naming `field` in the path of any decoding error it throws.
    @inlinable
    public mutating func withField<R>(_ field: String, _ body: (inout XDRReader) throws -> R) throws -> R {
        do {
            return try body(&self)
        } catch let error as XDRDecodingError {
            throw error.inField(field)
        }
    }

    /// Reads a variable-length array (`T x<maxCount>`). Each element is assumed to take at least
    /// `minimumElementSize` bytes on the wire (4 for every XDR type but empty structs and
    /// zero-length fixed opaque), which bounds the count by the input that remains.
    @inlinable
    public mutating func readArray<T: XDRDecodable>(
        of type: T.Type = T.self,
        maxCount: Int? = nil,
        minimumElementSize: Int = 4
    ) throws -> [T] {
        try readArray(maxCount: maxCount, minimumElementSize: minimumElementSize) { try T(from: &$0) }
    }

    /// Reads a variable-length array whose elements are read by `element`.
    @inlinable
    public mutating func readArray<T>(
        maxCount: Int? = nil,
        minimumElementSize: Int = 4,
        element: (inout XDRReader) throws -> T
    ) throws -> [T] {
        let count = try readLength(maxLength: maxCount, minimumUnitSize: minimumElementSize, what: "array")
        return try readElements(count: count, element: element)
    }

    /// Reads a fixed-length array (`T x[count]`).
    @inlinable
    public mutating func readFixedArray<T: XDRDecodable>(of type: T.Type = T.self, count: Int) throws -> [T] {
        try readFixedArray(count: count) { try T(from: &$0) }
    }

    /// Reads a fixed-length array whose elements are read by `element`.
    @inlinable
    public mutating func readFixedArray<T>(count: Int, element: (inout XDRReader) throws -> T) throws -> [T] {
        try readElements(count: count, element: element)
    }

    @inlinable
    mutating func readElements<T>(count: Int, element: (inout XDRReader) throws -> T) throws -> [T] {
        let stride = max(MemoryLayout<T>.stride, 1)
        let (bytes, overflow) = count.multipliedReportingOverflow(by: stride)
        try reserveAllocation(overflow ? .max : bytes)
        return try nested { reader in
            // The array is made by reserving its capacity, not with
            // `Array(unsafeUninitializedCapacity:)`: that initializer looks up the array's
            // generic metadata in the runtime's cache on every call (measured: half the cost of
            // a two-element array), while `reserveCapacity` uses the specialized, cached
            // accessor. Appending then moves each element into place, as initializing would.
            var elements: [T] = []
            elements.reserveCapacity(count)
            while elements.count < count {
                do {
                    elements.append(try element(&reader))
                } catch let error as XDRDecodingError {
                    throw error.inField("[\(elements.count)]")
                }
            }
            return elements
        }
    }

    /// Reads a stream of values, each after a `TRUE`, up to a `FALSE`: the form of a union
    /// switched on `bool more` that a reply repeats until `more` is false (NIS `ypresp_all`,
    /// which rpcgen's C reads with a hand-written routine). Each value is charged to
    /// ``XDRDecodingOptions/maximumAllocation`` as it is read.
    @inlinable
    public mutating func readStream<T>(_ element: (inout XDRReader) throws -> T) throws -> [T] {
        var elements: [T] = []
        while try readBool() {
            try reserveAllocation(max(MemoryLayout<T>.stride, 1))
            do {
                elements.append(try nested(element))
            } catch let error as XDRDecodingError {
                throw error.inField("[\(elements.count)]")
            }
        }
        return elements
    }

    /// Reads optional data (`T *x`): a bool, then the value when it is `true`.
    @inlinable
    public mutating func readOptional<T: XDRDecodable>(_ type: T.Type = T.self) throws -> T? {
        try readOptional { try T(from: &$0) }
    }

    /// Reads optional data whose value is read by `body`.
    @inlinable
    @inline(__always)
    public mutating func readOptional<T>(_ body: (inout XDRReader) throws -> T) throws -> T? {
        guard try readBool() else { return nil }
        return try nested(body)
    }
}

extension XDRDecodingError {
    /// Returns this error with `field` prepended to its field path.
    @usableFromInline
    func inField(_ field: String) -> XDRDecodingError {
        var copy = self
        copy.fieldPath.insert(field, at: 0)
        return copy
    }
}
