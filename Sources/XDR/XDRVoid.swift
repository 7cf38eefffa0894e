/// XDR `void`: no data on the wire. Used for procedures without arguments or results and
/// for union arms that carry nothing.
public struct XDRVoid: XDRCodable, Sendable, Hashable {
    /// The only value.
    @inlinable
    public init() {}

    /// Reads nothing.
    @inlinable
    public init(from reader: inout XDRReader) throws {}

    /// Writes nothing.
    @inlinable
    public func encode(to writer: inout XDRWriter) throws {}
}
