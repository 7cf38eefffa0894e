/// An XDR `enum`: a Swift enum with `Int32` raw values. Conforming gives it ``XDRCodable``
/// for free; decoding rejects values that are not declared cases.
public protocol XDREnum: XDRCodable, XDRBoundedEncodable, RawRepresentable where RawValue == Int32 {}

extension XDREnum {
    /// An enum is one `int`: 4 bytes.
    @inlinable
    public static var maximumEncodedSize: Int { 4 }

    /// Reads the enum's `int`, rejecting undeclared values.
    @inlinable
    @inline(__always)
    public init(from reader: inout XDRReader) throws {
        self = try reader.readEnum(Self.self)
    }

    /// Writes the enum's `int`.
    @inlinable
    public func encode(to writer: inout XDRWriter) throws {
        writer.writeInt32(rawValue)
    }
}
