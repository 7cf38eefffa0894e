public import NIOCore

/// The zero bytes that follow `length` bytes of opaque data or string to make a multiple of four
/// (RFC 4506 §3: "residual zero bytes").
@inlinable
func xdrPadding(forLength length: Int) -> Int {
    (4 &- (length & 3)) & 3
}

/// A type that can write itself as XDR (RFC 4506).
public protocol XDREncodable {
    /// Appends the XDR encoding of `self` to `writer`.
    ///
    /// `self` is borrowed: generated structs pass their fields to the writer where they are
    /// stored, and arrays hand each element over in place, so writing a value retains none of the
    /// strings, buffers and arrays it holds.
    func encode(to writer: inout XDRWriter) throws

    /// Appends the XDR encoding of each value of `elements` to `writer`, in order.
    ///
    /// Arrays of encodable values are written through this requirement. The default writes each
    /// element with ``encode(to:)``; generated structs read each element's fields where they are
    /// stored instead, so that writing an array retains none of the strings, buffers and arrays
    /// its elements hold.
    static func encode(contentsOf elements: Span<Self>, to writer: inout XDRWriter) throws
}

extension XDREncodable {
    /// Writes each element of `elements` with ``encode(to:)``.
    @inlinable
    public static func encode(contentsOf elements: Span<Self>, to writer: inout XDRWriter) throws {
        for index in elements.indices {
            try elements[index].encode(to: &writer)
        }
    }
}

/// An encodable type whose encoding has a largest size: no variable-length part without a
/// maximum, and no recursion.
///
/// swift-rpcgen gives every such generated type this conformance, with the size worked out from
/// the `.x` (as the Linux kernel's xdrgen defines a `_sz` for each type), and each procedure's
/// descriptor the largest size of its arguments and result. Writers reserve it once instead of
/// growing as they write.
public protocol XDRBoundedEncodable: XDREncodable {
    /// The most bytes the XDR encoding of a value of this type takes.
    static var maximumEncodedSize: Int { get }
}

/// A type that can read itself from XDR (RFC 4506).
public protocol XDRDecodable {
    /// Reads a value from `reader`, consuming exactly its encoding.
    init(from reader: inout XDRReader) throws
}

/// A type that is both ``XDREncodable`` and ``XDRDecodable``.
public typealias XDRCodable = XDREncodable & XDRDecodable

extension XDREncodable {
    /// Returns the XDR encoding of `self` in a new buffer.
    @inlinable
    public func xdrBytes() throws -> ByteBuffer {
        var writer = XDRWriter()
        try self.encode(to: &writer)
        return writer.buffer
    }

    /// Returns the XDR encoding of `self` as an array of bytes.
    @inlinable
    public func xdrByteArray() throws -> [UInt8] {
        let buffer = try self.xdrBytes()
        return Array(buffer.readableBytesView)
    }
}

extension XDRDecodable {
    /// Decodes a value that must occupy all of `xdrBytes`: leftover bytes are an error
    /// (``XDRDecodingError/Code/trailingBytes``).
    @inlinable
    public init(xdrBytes: ByteBuffer, options: XDRDecodingOptions = .default) throws {
        var reader = XDRReader(buffer: xdrBytes, options: options)
        self = try Self(from: &reader)
        try reader.expectEnd()
    }

    /// Decodes a value that must occupy all of `xdrBytes`.
    @inlinable
    public init(xdrBytes: some Sequence<UInt8>, options: XDRDecodingOptions = .default) throws {
        try self.init(xdrBytes: ByteBuffer(bytes: xdrBytes), options: options)
    }
}

extension ByteBuffer {
    /// An empty buffer used to hand a buffer's storage to a writer or reader without copying.
    @usableFromInline
    static let xdrEmpty = ByteBuffer()

    /// Appends the XDR encoding of `value` and returns the number of bytes written.
    @inlinable
    @discardableResult
    public mutating func writeXDR<T: XDREncodable>(_ value: T) throws -> Int {
        let start = self.writerIndex
        // Hand the storage over so that the writer is its only owner and does not copy it.
        var taken = ByteBuffer.xdrEmpty
        swap(&self, &taken)
        var writer = XDRWriter(buffer: consume taken)
        defer { self = writer.buffer }
        try value.encode(to: &writer)
        return writer.position - start
    }

    /// Reads one XDR value of type `T`, moving the reader index past it. On error the reader
    /// index is left where it was.
    @inlinable
    public mutating func readXDR<T: XDRDecodable>(
        _ type: T.Type = T.self,
        options: XDRDecodingOptions = .default
    ) throws -> T {
        var reader = XDRReader(buffer: self, options: options)
        let value = try T(from: &reader)
        self.moveReaderIndex(to: reader.position)
        return value
    }
}
