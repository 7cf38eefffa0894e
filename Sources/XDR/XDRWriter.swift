public import NIOCore

/// Appends XDR (RFC 4506) encodings to a `ByteBuffer`.
///
/// Every item is big-endian and padded with zero bytes to a multiple of four. Methods that take
/// a maximum length throw ``XDREncodingError`` when the value is longer, so a peer is never
/// sent something it must reject.
///
/// The writer stores straight into the buffer's memory, as libtirpc's `xdrmem` does: each item
/// costs a capacity comparison and a store, with no per-item uniqueness or exclusivity checks.
/// It owns its buffer's storage uniquely while it writes (a shared buffer is copied when the
/// writer takes it, as any `ByteBuffer` write would) and grows it geometrically when full.
public struct XDRWriter {
    /// The buffer written to. Its writer index is brought up to date when it is read through
    /// ``buffer``; `position` is the truth while writing.
    @usableFromInline
    var storage: ByteBuffer
    /// The first byte of `storage`'s memory; valid while `storage` is held, unique and not resized.
    @usableFromInline
    var base: UnsafeMutableRawPointer?
    /// The index in `storage` of the next byte to write.
    @usableFromInline
    var position: Int
    /// `storage`'s capacity when `base` was taken.
    @usableFromInline
    var limit: Int
    /// Set when large buffers may be referenced instead of copied: the threshold, and the output
    /// before `storage` once one has been (`nil`, the default: every byte is copied). One
    /// reference wide, so that a writer that never references costs what it did.
    @usableFromInline
    var references: XDRReferencedBuffers? = nil

    /// Opaque data and strings given as a `ByteBuffer` of at least this many bytes, when they do
    /// not fit in the room left, are referenced instead of copied (see ``buffers``); `Int.max`,
    /// the default, copies every byte. The RPC layer sets it for messages its stream transports
    /// write with gather I/O.
    package var referenceThreshold: Int {
        get { references?.threshold ?? .max }
        set {
            references = XDRReferencedBuffers.state(threshold: newValue, earlier: references?.earlier ?? [])
        }
    }

    /// The one threshold (the RPC layer's) whose state is shared while nothing is referenced,
    /// so that setting it on each message's writer allocates nothing.
    package static let sharedReferenceThreshold = 64 << 10

    /// The output before `storage`, in order, once a large buffer has been referenced: the bytes
    /// written before it, the buffer itself, and so on.
    @usableFromInline
    var earlier: [ByteBuffer] {
        references?.earlier ?? []
    }

    /// The bytes written so far (and whatever the buffer held before), in one buffer.
    @inlinable
    public var buffer: ByteBuffer {
        get {
            var current = storage
            current.moveWriterIndex(to: position)
            if let references, _slowPath(!references.earlier.isEmpty) {
                return Self.join(references.earlier, current)
            }
            return current
        }
        _modify {
            if let references, _slowPath(!references.earlier.isEmpty) {
                flatten()
            }
            storage.moveWriterIndex(to: position)
            defer { attach() }
            yield &storage
        }
        set {
            if references != nil {
                dropReferenced()
            }
            storage = newValue
            attach()
        }
    }

    /// The bytes written so far as the buffers that hold them, in order: ``buffer`` alone, unless
    /// large buffers were referenced (see `referenceThreshold`), which then appear between the
    /// bytes written before and after them.
    package var buffers: (first: ByteBuffer, rest: [ByteBuffer]) {
        var current = storage
        current.moveWriterIndex(to: position)
        guard let first = earlier.first else { return (current, []) }
        var rest = Array(earlier.dropFirst())
        rest.append(current)
        return (first, rest)
    }

    /// `parts` and `last` copied into one buffer, with as many free bytes before its reader index
    /// as the first part has (the room a record-marking header is written into).
    @usableFromInline
    package static func join(_ parts: [ByteBuffer], _ last: ByteBuffer) -> ByteBuffer {
        let headroom = parts.first?.readerIndex ?? last.readerIndex
        let total = parts.reduce(last.readableBytes) { $0 + $1.readableBytes }
        var joined = ByteBufferAllocator().buffer(capacity: headroom + total)
        joined.moveWriterIndex(to: headroom)
        joined.moveReaderIndex(to: headroom)
        for part in parts {
            joined.writeImmutableBuffer(part)
        }
        joined.writeImmutableBuffer(last)
        return joined
    }

    /// Copies the referenced buffers in, so that the output is `storage` alone again.
    @usableFromInline
    mutating func flatten() {
        var current = storage
        current.moveWriterIndex(to: position)
        storage = Self.join(earlier, current)
        dropReferenced()
        attach()
    }

    /// Forgets the referenced buffers, keeping the threshold.
    @usableFromInline
    mutating func dropReferenced() {
        references = XDRReferencedBuffers.state(threshold: referenceThreshold, earlier: [])
    }

    /// Stores `bytes` that do not fit: by reference from `referenceThreshold` bytes on, or
    /// copied after growing the buffer.
    @usableFromInline
    @inline(never)
    mutating func storeOrReference(_ bytes: ByteBuffer) {
        if bytes.readableBytes >= referenceThreshold {
            reference(bytes)
        } else {
            let source = bytes.withUnsafeReadableBytes { $0 }
            store(bytes: source)
        }
    }

    /// Ends the current buffer, appends `bytes` to the output by reference, and continues in a
    /// new buffer.
    @usableFromInline
    @inline(never)
    mutating func reference(_ bytes: ByteBuffer) {
        storage.moveWriterIndex(to: position)
        references = XDRReferencedBuffers.state(threshold: referenceThreshold, earlier: earlier + [storage, bytes])
        storage = ByteBufferAllocator().buffer(capacity: 64)
        attach()
    }

    /// Creates a writer that appends to `buffer`.
    @inlinable
    public init(buffer: consuming ByteBuffer) {
        self.storage = buffer
        self.base = nil
        self.position = 0
        self.limit = 0
        attach()
    }

    /// Creates a writer with a new buffer of `capacity` bytes.
    @inlinable
    public init(capacity: Int = 256) {
        self.init(buffer: ByteBufferAllocator().buffer(capacity: capacity))
    }

    /// Takes `storage`'s memory for direct writes, copying it first if it is shared.
    @inlinable
    mutating func attach() {
        position = storage.writerIndex
        let memory = storage.withVeryUnsafeMutableBytes { $0 }
        base = memory.baseAddress
        limit = memory.count
    }

    /// Grows the buffer so that `count` more bytes fit after `position`.
    @inlinable
    @inline(never)
    mutating func grow(toFit count: Int) {
        storage.moveWriterIndex(to: position)
        storage.reserveCapacity(minimumWritableBytes: count)
        attach()
    }

    /// Makes room for `count` bytes and returns where they go; the caller advances `position`.
    @inlinable
    @inline(__always)
    mutating func room(_ count: Int) -> UnsafeMutableRawPointer {
        if _slowPath(limit &- position < count) {
            grow(toFit: count)
        }
        return base.unsafelyUnwrapped + position
    }

    /// Stores `value` big-endian at the write position.
    @inlinable
    @inline(__always)
    mutating func store<T: FixedWidthInteger>(_ value: T) {
        let size = MemoryLayout<T>.size
        room(size).storeBytes(of: value.bigEndian, as: T.self)
        position &+= size
    }

    /// Copies `bytes` to the write position.
    @inlinable
    mutating func store(bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        room(bytes.count).copyMemory(from: source, byteCount: bytes.count)
        position &+= bytes.count
    }

    /// Copies the readable bytes of `bytes` to the write position.
    @inlinable
    mutating func store(buffer bytes: ByteBuffer) {
        if _slowPath(limit &- position < bytes.readableBytes) {
            // Only a buffer that does not fit may be large enough to be referenced: the check
            // costs nothing on the path of the items that fit.
            storeOrReference(bytes)
            return
        }
        // Only the address is taken inside the closure: the copy happens outside, so reading
        // `bytes`' storage is a short access with nothing nested. `bytes` is borrowed for the
        // whole call, which keeps its memory alive.
        let source = bytes.withUnsafeReadableBytes { $0 }
        store(bytes: source)
    }

    /// Copies any collection of bytes to the write position.
    @inlinable
    mutating func store<Bytes: Collection<UInt8>>(collection bytes: Bytes) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { store(bytes: UnsafeRawBufferPointer($0)) }
        if done == nil {
            let count = bytes.count
            let target = room(count)
            var index = 0
            for byte in bytes {
                target.storeBytes(of: byte, toByteOffset: index, as: UInt8.self)
                index += 1
            }
            position &+= count
        }
    }

    // MARK: Fixed-size items

    /// Writes an XDR `int`.
    @inlinable
    @inline(__always)
    public mutating func writeInt32(_ value: Int32) {
        store(value)
    }

    /// Writes an XDR `unsigned int`.
    @inlinable
    @inline(__always)
    public mutating func writeUInt32(_ value: UInt32) {
        store(value)
    }

    /// Writes an XDR `hyper`.
    @inlinable
    @inline(__always)
    public mutating func writeInt64(_ value: Int64) {
        store(value)
    }

    /// Writes an XDR `unsigned hyper`.
    @inlinable
    @inline(__always)
    public mutating func writeUInt64(_ value: UInt64) {
        store(value)
    }

    /// Writes an XDR `bool` (0 or 1).
    @inlinable
    @inline(__always)
    public mutating func writeBool(_ value: Bool) {
        store(value ? 1 as UInt32 : 0)
    }

    /// Writes an XDR `float`: the IEEE single-precision bit pattern, unchanged.
    @inlinable
    @inline(__always)
    public mutating func writeFloat(_ value: Float) {
        store(value.bitPattern)
    }

    /// Writes an XDR `double`: the IEEE double-precision bit pattern, unchanged.
    @inlinable
    @inline(__always)
    public mutating func writeDouble(_ value: Double) {
        store(value.bitPattern)
    }

    /// Writes an XDR `quadruple`: its 16 bytes, unchanged.
    @inlinable
    public mutating func writeQuadruple(_ value: XDRQuadruple) {
        store(value.highBits)
        store(value.lowBits)
    }

    /// Writes an XDR `enum` from its raw value.
    @inlinable
    @inline(__always)
    public mutating func writeEnum<E: RawRepresentable>(_ value: E) where E.RawValue == Int32 {
        store(value.rawValue)
    }

    // MARK: Padding

    /// Writes the zero bytes that pad `length` bytes of data to a multiple of four.
    @inlinable
    @inline(__always)
    public mutating func writePadding(forLength length: Int) {
        let pad = xdrPadding(forLength: length)
        if pad != 0 {
            // One four-byte store of zeros instead of a memset of one to three bytes; only `pad`
            // of them become part of the output.
            room(4).storeBytes(of: 0 as UInt32, as: UInt32.self)
            position &+= pad
        }
    }

    /// Stores `bytes` and their zero padding, after their four-byte length when `prefixed`, with
    /// one capacity check: the last word of the padded data is zeroed first and the data then
    /// copied over all but its padding.
    @inlinable
    @inline(__always)
    mutating func storePadded(_ bytes: UnsafeRawBufferPointer, prefixed: Bool) {
        let count = bytes.count
        let padded = (count &+ 3) & ~3
        let header = prefixed ? 4 : 0
        store(bytes, padded: padded, header: header, at: room(header &+ padded))
    }

    /// Stores `bytes` as `storePadded(_:prefixed:)` does, when `fits(_:prefixed:)` said they
    /// fit: no capacity check, and so no call that could grow the buffer.
    @inlinable
    @inline(__always)
    mutating func storePaddedInRoom(_ bytes: UnsafeRawBufferPointer, prefixed: Bool) {
        let count = bytes.count
        let padded = (count &+ 3) & ~3
        let header = prefixed ? 4 : 0
        store(bytes, padded: padded, header: header, at: base.unsafelyUnwrapped + position)
    }

    /// Stores `bytes`, their length first when `header` is 4, padded to `padded` bytes at
    /// `target`, and advances the write position past them.
    @inlinable
    @inline(__always)
    mutating func store(_ bytes: UnsafeRawBufferPointer, padded: Int, header: Int, at target: UnsafeMutableRawPointer) {
        let count = bytes.count
        if header != 0 {
            target.storeBytes(of: UInt32(truncatingIfNeeded: count).bigEndian, as: UInt32.self)
        }
        if let source = bytes.baseAddress, count > 0 {
            target.storeBytes(of: 0 as UInt32, toByteOffset: header &+ padded &- 4, as: UInt32.self)
            Self.copy(count, from: source, to: target + header)
        }
        position &+= header &+ padded
    }

    /// Whether `count` bytes with their padding, after a four-byte length when `prefixed`, fit in
    /// the room left.
    @inlinable
    @inline(__always)
    func fits(_ count: Int, prefixed: Bool) -> Bool {
        limit &- position >= (prefixed ? 4 : 0) &+ count &+ 3
    }

    /// Stores the readable bytes of `bytes` and their padding, after their length when
    /// `prefixed`: with one capacity check when they fit (see `storePadded(_:prefixed:)`),
    /// otherwise as `store(buffer:)` does, which references a buffer large enough.
    @inlinable
    @inline(__always)
    mutating func storePadded(buffer bytes: ByteBuffer, prefixed: Bool) {
        let length = bytes.readableBytes
        if _fastPath(fits(length, prefixed: prefixed)) {
            // Only the address is taken inside the closure (see `store(buffer:)`).
            storePadded(bytes.withUnsafeReadableBytes { $0 }, prefixed: prefixed)
        } else {
            if prefixed {
                store(UInt32(truncatingIfNeeded: length))
            }
            store(buffer: bytes)
            writePadding(forLength: length)
        }
    }

    /// Copies `count` bytes between memory that does not overlap. Names, cookies and handles
    /// (8 to 64 bytes) are copied inline eight bytes at a time, the last eight overlapping the
    /// ones before; other sizes go to `memmove`, whose call costs more than such a copy.
    @inlinable
    @inline(__always)
    static func copy(_ count: Int, from source: UnsafeRawPointer, to target: UnsafeMutableRawPointer) {
        if count >= 8 && count <= 64 {
            var offset = 0
            while offset &+ 8 < count {
                target.storeBytes(
                    of: source.loadUnaligned(fromByteOffset: offset, as: UInt64.self), toByteOffset: offset,
                    as: UInt64.self)
                offset &+= 8
            }
            let last = count &- 8
            target.storeBytes(
                of: source.loadUnaligned(fromByteOffset: last, as: UInt64.self), toByteOffset: last, as: UInt64.self)
        } else {
            target.copyMemory(from: source, byteCount: count)
        }
    }

    // MARK: Opaque data and strings

    /// Writes fixed-length opaque data (`opaque x[length]`): exactly `length` bytes plus padding.
    @inlinable
    @inline(__always)
    public mutating func writeFixedOpaque(_ bytes: ByteBuffer, length: Int) throws {
        guard bytes.readableBytes == length else {
            throw XDREncodingError.fixedLength(bytes.readableBytes, expected: length, what: "opaque")
        }
        storePadded(buffer: bytes, prefixed: false)
    }

    /// Writes fixed-length opaque data (`opaque x[length]`) from a collection of bytes.
    @inlinable
    public mutating func writeFixedOpaque<Bytes: Collection<UInt8>>(bytes: Bytes, length: Int) throws {
        guard bytes.count == length else {
            throw XDREncodingError.fixedLength(bytes.count, expected: length, what: "opaque")
        }
        store(collection: bytes)
        writePadding(forLength: length)
    }

    /// Writes variable-length opaque data (`opaque x<maxLength>`): a length, the bytes, padding.
    @inlinable
    @inline(__always)
    public mutating func writeVariableOpaque(_ bytes: ByteBuffer, maxLength: Int? = nil) throws {
        try writeLengthPrefixed(bytes, maxLength: maxLength, what: "opaque")
    }

    /// Writes fixed-length opaque data (`opaque x[length]`) read where it is stored.
    ///
    /// `bytes` is evaluated more than once, each time for a moment: pass a stored property, such
    /// as a field of an array's element (generated structs do). When the data fits in the room
    /// left, it is copied from where it is stored, and the buffer holding it is not retained.
    @inlinable
    @inline(__always)
    public mutating func writeFixedOpaque(inPlace bytes: @autoclosure () -> ByteBuffer, length: Int) throws {
        let count = bytes().readableBytes
        if _fastPath(count == length && fits(count, prefixed: false)) {
            storePaddedInRoom(bytes().withUnsafeReadableBytes { $0 }, prefixed: false)
        } else {
            try writeFixedOpaque(bytes(), length: length)
        }
    }

    /// Writes variable-length opaque data (`opaque x<maxLength>`) read where it is stored.
    ///
    /// `bytes` is evaluated more than once, each time for a moment: pass a stored property, such
    /// as a field of an array's element (generated structs do). When the data fits in the room
    /// left, it is copied from where it is stored, and the buffer holding it is not retained.
    @inlinable
    @inline(__always)
    public mutating func writeVariableOpaque(inPlace bytes: @autoclosure () -> ByteBuffer, maxLength: Int? = nil) throws {
        let length = bytes().readableBytes
        if _fastPath(fits(length, prefixed: true) && length <= maxLength ?? length) {
            storePaddedInRoom(bytes().withUnsafeReadableBytes { $0 }, prefixed: true)
        } else {
            try writeVariableOpaque(bytes(), maxLength: maxLength)
        }
    }

    /// Writes variable-length opaque data (`opaque x<maxLength>`) from a collection of bytes.
    @inlinable
    public mutating func writeVariableOpaque<Bytes: Collection<UInt8>>(bytes: Bytes, maxLength: Int? = nil) throws {
        let length = bytes.count
        try checkLength(length, maxLength: maxLength, what: "opaque")
        let done: Void? = bytes.withContiguousStorageIfAvailable {
            storePadded(UnsafeRawBufferPointer($0), prefixed: true)
        }
        if done == nil {
            store(UInt32(truncatingIfNeeded: length))
            store(collection: bytes)
            writePadding(forLength: length)
        }
    }

    /// Writes an XDR `string<maxLength>` as its UTF-8 bytes.
    @inlinable
    @inline(__always)
    public mutating func writeString(_ string: String, maxLength: Int? = nil) throws {
        let length = string.utf8.count
        try checkLength(length, maxLength: maxLength, what: "string")
        let done: Void? = string.utf8.withContiguousStorageIfAvailable {
            storePadded(UnsafeRawBufferPointer($0), prefixed: true)
        }
        if done == nil {
            store(UInt32(truncatingIfNeeded: length))
            store(collection: string.utf8)
            writePadding(forLength: length)
        }
    }

    /// Writes an XDR `string<maxLength>` read where it is stored.
    ///
    /// `string` is evaluated more than once, each time for a moment: pass a stored property, such
    /// as a field of an array's element (generated structs do). When its UTF-8 is contiguous and
    /// fits in the room left, it is copied from where it is stored, and not retained.
    @inlinable
    @inline(__always)
    public mutating func writeString(inPlace string: @autoclosure () -> String, maxLength: Int? = nil) throws {
        let length = string().utf8.count
        if _fastPath(fits(length, prefixed: true) && length <= maxLength ?? length) {
            let done: Void? = string().utf8.withContiguousStorageIfAvailable {
                storePaddedInRoom(UnsafeRawBufferPointer($0), prefixed: true)
            }
            if _fastPath(done != nil) { return }
        }
        try writeString(string(), maxLength: maxLength)
    }

    /// Writes an XDR `string<maxLength>` from raw bytes (for peers whose strings are not UTF-8).
    @inlinable
    @inline(__always)
    public mutating func writeStringBytes(_ bytes: ByteBuffer, maxLength: Int? = nil) throws {
        try writeLengthPrefixed(bytes, maxLength: maxLength, what: "string")
    }

    /// Writes a length, `bytes` and padding: the layout of variable opaque data and strings.
    ///
    /// Inlined, so that a buffer read where it is stored (a field of an array's element) is not
    /// copied (retained) on the way: only the slow path, where it does not fit in the room left,
    /// references it.
    @inlinable
    @inline(__always)
    mutating func writeLengthPrefixed(_ bytes: ByteBuffer, maxLength: Int?, what: StaticString) throws {
        let length = bytes.readableBytes
        try checkLength(length, maxLength: maxLength, what: what)
        storePadded(buffer: bytes, prefixed: true)
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
        store(UInt32(truncatingIfNeeded: elements.count))
        try writeElements(elements)
    }

    /// Writes a variable-length array whose elements are written by `element`.
    @inlinable
    public mutating func writeArray<T>(
        _ elements: [T],
        maxCount: Int? = nil,
        element: (inout XDRWriter, T) throws -> Void
    ) throws {
        try checkLength(elements.count, maxLength: maxCount, what: "array")
        store(UInt32(truncatingIfNeeded: elements.count))
        try writeElements(elements, element)
    }

    /// Writes a fixed-length array (`T x[count]`): each element, no count.
    @inlinable
    public mutating func writeFixedArray<T: XDREncodable>(_ elements: [T], count: Int) throws {
        guard elements.count == count else {
            throw XDREncodingError.fixedLength(elements.count, expected: count, what: "array")
        }
        try writeElements(elements)
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
        try writeElements(elements, element)
    }

    /// Writes each element of `elements` where it is stored: an element is borrowed from the
    /// array's storage, not copied out of it (and so retained) first.
    @inlinable
    mutating func writeElements<T: XDREncodable>(_ elements: [T]) throws {
        try T.encode(contentsOf: elements.span, to: &self)
    }

    /// Writes each element of `elements`.
    @inlinable
    mutating func writeElements<T>(_ elements: [T], _ element: (inout XDRWriter, T) throws -> Void) throws {
        for index in elements.indices {
            try element(&self, elements[index])
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

    /// Writes `elements` as a stream: `TRUE` and each value, then `FALSE` (see
    /// ``XDRReader/readStream(_:)``).
    @inlinable
    public mutating func writeStream<T>(_ elements: [T], _ body: (inout XDRWriter, T) throws -> Void) throws {
        for element in elements {
            writeBool(true)
            try body(&self, element)
        }
        writeBool(false)
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

/// What an ``XDRWriter`` that may reference large buffers keeps: the threshold and the buffers
/// before its current one. Immutable; a writer replaces it rather than changing it, so copies of
/// a writer never share changes.
@usableFromInline
final class XDRReferencedBuffers: Sendable {
    @usableFromInline
    let threshold: Int
    @usableFromInline
    let earlier: [ByteBuffer]

    private init(threshold: Int, earlier: [ByteBuffer]) {
        self.threshold = threshold
        self.earlier = earlier
    }

    /// The state for ``XDRWriter/sharedReferenceThreshold`` with nothing referenced yet.
    private static let shared = XDRReferencedBuffers(threshold: XDRWriter.sharedReferenceThreshold, earlier: [])

    /// The state for `threshold` after `earlier`.
    static func state(threshold: Int, earlier: [ByteBuffer]) -> XDRReferencedBuffers? {
        if earlier.isEmpty {
            if threshold == .max { return nil }
            if threshold == XDRWriter.sharedReferenceThreshold { return shared }
        }
        return XDRReferencedBuffers(threshold: threshold, earlier: earlier)
    }
}
