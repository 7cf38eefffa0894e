public import NIOCore

// The XDR mapping of Swift's standard types (RFC 4506 §4).

extension Int32: XDRCodable {
    /// Reads an XDR `int`.
    @inlinable
    public init(from reader: inout XDRReader) throws { self = try reader.readInt32() }
    /// Writes an XDR `int`.
    @inlinable
    public func encode(to writer: inout XDRWriter) throws { writer.writeInt32(self) }
}

extension UInt32: XDRCodable {
    /// Reads an XDR `unsigned int`.
    @inlinable
    public init(from reader: inout XDRReader) throws { self = try reader.readUInt32() }
    /// Writes an XDR `unsigned int`.
    @inlinable
    public func encode(to writer: inout XDRWriter) throws { writer.writeUInt32(self) }
}

extension Int64: XDRCodable {
    /// Reads an XDR `hyper`.
    @inlinable
    public init(from reader: inout XDRReader) throws { self = try reader.readInt64() }
    /// Writes an XDR `hyper`.
    @inlinable
    public func encode(to writer: inout XDRWriter) throws { writer.writeInt64(self) }
}

extension UInt64: XDRCodable {
    /// Reads an XDR `unsigned hyper`.
    @inlinable
    public init(from reader: inout XDRReader) throws { self = try reader.readUInt64() }
    /// Writes an XDR `unsigned hyper`.
    @inlinable
    public func encode(to writer: inout XDRWriter) throws { writer.writeUInt64(self) }
}

extension Bool: XDRCodable {
    /// Reads an XDR `bool`.
    @inlinable
    public init(from reader: inout XDRReader) throws { self = try reader.readBool() }
    /// Writes an XDR `bool`.
    @inlinable
    public func encode(to writer: inout XDRWriter) throws { writer.writeBool(self) }
}

extension Float: XDRCodable {
    /// Reads an XDR `float`, bit-exact.
    @inlinable
    public init(from reader: inout XDRReader) throws { self = try reader.readFloat() }
    /// Writes an XDR `float`, bit-exact.
    @inlinable
    public func encode(to writer: inout XDRWriter) throws { writer.writeFloat(self) }
}

extension Double: XDRCodable {
    /// Reads an XDR `double`, bit-exact.
    @inlinable
    public init(from reader: inout XDRReader) throws { self = try reader.readDouble() }
    /// Writes an XDR `double`, bit-exact.
    @inlinable
    public func encode(to writer: inout XDRWriter) throws { writer.writeDouble(self) }
}

extension String: XDRCodable {
    /// Reads an XDR `string<>` (no declared maximum), which must be valid UTF-8.
    @inlinable
    public init(from reader: inout XDRReader) throws { self = try reader.readString() }
    /// Writes an XDR `string<>` (no declared maximum).
    @inlinable
    public func encode(to writer: inout XDRWriter) throws { try writer.writeString(self) }
}

extension ByteBuffer: XDRCodable {
    /// Reads XDR `opaque<>` (no declared maximum) as a slice of the input.
    @inlinable
    public init(from reader: inout XDRReader) throws { self = try reader.readVariableOpaque() }
    /// Writes XDR `opaque<>` (no declared maximum).
    @inlinable
    public func encode(to writer: inout XDRWriter) throws { try writer.writeVariableOpaque(self) }
}

extension Array: XDREncodable where Element: XDREncodable {
    /// Writes an XDR variable-length array `T<>` (no declared maximum).
    @inlinable
    public func encode(to writer: inout XDRWriter) throws { try writer.writeArray(self) }
}

extension Array: XDRDecodable where Element: XDRDecodable {
    /// Reads an XDR variable-length array `T<>` (no declared maximum).
    @inlinable
    public init(from reader: inout XDRReader) throws { self = try reader.readArray(of: Element.self) }
}

extension Optional: XDREncodable where Wrapped: XDREncodable {
    /// Writes XDR optional data `T *`.
    @inlinable
    public func encode(to writer: inout XDRWriter) throws { try writer.writeOptional(self) }
}

extension Optional: XDRDecodable where Wrapped: XDRDecodable {
    /// Reads XDR optional data `T *`.
    @inlinable
    public init(from reader: inout XDRReader) throws { self = try reader.readOptional(Wrapped.self) }
}

// The largest encodings of the fixed-size standard types.

extension Int32: XDRBoundedEncodable {
    /// An `int`: 4 bytes.
    public static var maximumEncodedSize: Int { 4 }
}

extension UInt32: XDRBoundedEncodable {
    /// An `unsigned int`: 4 bytes.
    public static var maximumEncodedSize: Int { 4 }
}

extension Int64: XDRBoundedEncodable {
    /// A `hyper`: 8 bytes.
    public static var maximumEncodedSize: Int { 8 }
}

extension UInt64: XDRBoundedEncodable {
    /// An `unsigned hyper`: 8 bytes.
    public static var maximumEncodedSize: Int { 8 }
}

extension Bool: XDRBoundedEncodable {
    /// A `bool`: 4 bytes.
    public static var maximumEncodedSize: Int { 4 }
}

extension Float: XDRBoundedEncodable {
    /// A `float`: 4 bytes.
    public static var maximumEncodedSize: Int { 4 }
}

extension Double: XDRBoundedEncodable {
    /// A `double`: 8 bytes.
    public static var maximumEncodedSize: Int { 8 }
}

extension XDRQuadruple: XDRBoundedEncodable {
    /// A `quadruple`: 16 bytes.
    public static var maximumEncodedSize: Int { 16 }
}

extension XDRVoid: XDRBoundedEncodable {
    /// `void`: nothing.
    public static var maximumEncodedSize: Int { 0 }
}
