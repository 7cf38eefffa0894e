/// How one value travels on the wire: the Swift model of a declaration, from which the type,
/// the decoding expression and the encoding statement are rendered.
indirect enum Codec: Hashable {
    case int32, uint32, int64, uint64, float, double, quadruple, bool
    /// `string<max>`.
    case string(Int64?)
    /// `opaque[n]`.
    case fixedOpaque(Int64)
    /// `opaque<max>`.
    case variableOpaque(Int64?)
    /// A generated enum, struct or union, which is `XDRCodable` itself.
    case named(String)
    /// A typedef: its Swift name, and how its values travel.
    case alias(String, Codec)
    /// `T x<max>`.
    case array(Codec, Int64?)
    /// `T x[n]`.
    case fixedArray(Codec, Int64)
    /// `T *x`.
    case optional(Codec)
    /// `void`.
    case void
    /// A union on `bool more` whose `TRUE` arm holds an element and whose `FALSE` arm is void,
    /// repeated until `more` is false, as every element (`[T]`): a streamed result.
    /// `union` is the Swift name of the union, for where the stream cannot be used as one.
    case stream(Codec, union: String)

    /// The Swift type.
    var swiftType: String {
        switch self {
        case .int32: "Int32"
        case .uint32: "UInt32"
        case .int64: "Int64"
        case .uint64: "UInt64"
        case .float: "Float"
        case .double: "Double"
        case .quadruple: "XDRQuadruple"
        case .bool: "Bool"
        case .string: "String"
        case .fixedOpaque, .variableOpaque: "ByteBuffer"
        case .named(let name), .alias(let name, _): name
        case .array(let element, _), .fixedArray(let element, _), .stream(let element, _): "[\(element.swiftType)]"
        case .optional(let wrapped):
            if case .optional = wrapped.unaliased { "Optional<\(wrapped.swiftType)>" } else { "\(wrapped.swiftType)?" }
        case .void: "XDRVoid"
        }
    }

    /// The codec with typedefs looked through.
    var unaliased: Codec {
        if case .alias(_, let codec) = self { return codec.unaliased }
        return self
    }

    /// Whether the type mentions `ByteBuffer`.
    var usesByteBuffer: Bool {
        switch self {
        case .fixedOpaque, .variableOpaque: true
        case .alias(_, let codec), .array(let codec, _), .fixedArray(let codec, _), .optional(let codec),
            .stream(let codec, _):
            codec.usesByteBuffer
        default: false
        }
    }

    /// `label: value`, or nothing when there is no bound.
    private static func bound(_ label: String, _ value: Int64?) -> String {
        value.map { "\(label): \($0)" } ?? ""
    }

    /// `, label: value`, or nothing when there is no bound.
    private static func trailingBound(_ label: String, _ value: Int64?) -> String {
        value.map { ", \(label): \($0)" } ?? ""
    }

    /// An expression that reads a value with reader variable `reader` (`depth` names nested
    /// closure parameters).
    func decode(_ reader: String, depth: Int = 1) -> String {
        switch self {
        case .int32: "try \(reader).readInt32()"
        case .uint32: "try \(reader).readUInt32()"
        case .int64: "try \(reader).readInt64()"
        case .uint64: "try \(reader).readUInt64()"
        case .float: "try \(reader).readFloat()"
        case .double: "try \(reader).readDouble()"
        case .quadruple: "try \(reader).readQuadruple()"
        case .bool: "try \(reader).readBool()"
        case .void: "XDRVoid()"
        case .string(let maximum): "try \(reader).readString(\(Self.bound("maxLength", maximum)))"
        case .fixedOpaque(let size): "try \(reader).readFixedOpaque(length: \(size))"
        case .variableOpaque(let maximum): "try \(reader).readVariableOpaque(\(Self.bound("maxLength", maximum)))"
        case .named(let name): "try \(name)(from: &\(reader))"
        case .alias(_, let codec): codec.decode(reader, depth: depth)
        case .array(let element, let maximum):
            "try \(reader).readArray(\(maximum.map { "maxCount: \($0), " } ?? "")minimumElementSize: \(element.minimumWireSize)) { r\(depth) in \(element.decode("r\(depth)", depth: depth + 1)) }"
        case .fixedArray(let element, let count):
            "try \(reader).readFixedArray(count: \(count)) { r\(depth) in \(element.decode("r\(depth)", depth: depth + 1)) }"
        case .optional(let wrapped):
            "try \(reader).readOptional { r\(depth) in \(wrapped.decode("r\(depth)", depth: depth + 1)) }"
        case .stream(let element, _):
            "try \(reader).readStream { r\(depth) in \(element.decode("r\(depth)", depth: depth + 1)) }"
        }
    }

    /// A statement that writes `value` with writer variable `writer`.
    func encode(_ value: String, _ writer: String, depth: Int = 1) -> String {
        switch self {
        case .int32: "\(writer).writeInt32(\(value))"
        case .uint32: "\(writer).writeUInt32(\(value))"
        case .int64: "\(writer).writeInt64(\(value))"
        case .uint64: "\(writer).writeUInt64(\(value))"
        case .float: "\(writer).writeFloat(\(value))"
        case .double: "\(writer).writeDouble(\(value))"
        case .quadruple: "\(writer).writeQuadruple(\(value))"
        case .bool: "\(writer).writeBool(\(value))"
        case .void: "_ = \(value)"
        case .string(let maximum):
            "try \(writer).writeString(\(value)\(Self.trailingBound("maxLength", maximum)))"
        case .fixedOpaque(let size): "try \(writer).writeFixedOpaque(\(value), length: \(size))"
        case .variableOpaque(let maximum):
            "try \(writer).writeVariableOpaque(\(value)\(Self.trailingBound("maxLength", maximum)))"
        case .named: "try \(value).encode(to: &\(writer))"
        case .alias(_, let codec): codec.encode(value, writer, depth: depth)
        case .array(let element, let maximum) where element.isNamed:
            // Generated types encode themselves: the array overload for them needs no closure.
            "try \(writer).writeArray(\(value)\(Self.trailingBound("maxCount", maximum)))"
        case .fixedArray(let element, let count) where element.isNamed:
            "try \(writer).writeFixedArray(\(value), count: \(count))"
        case .array(let element, let maximum):
            "try \(writer).writeArray(\(value)\(Self.trailingBound("maxCount", maximum))) { w\(depth), e\(depth) in \(element.encode("e\(depth)", "w\(depth)", depth: depth + 1)) }"
        case .fixedArray(let element, let count):
            "try \(writer).writeFixedArray(\(value), count: \(count)) { w\(depth), e\(depth) in \(element.encode("e\(depth)", "w\(depth)", depth: depth + 1)) }"
        case .optional(let wrapped):
            "try \(writer).writeOptional(\(value)) { w\(depth), e\(depth) in \(wrapped.encode("e\(depth)", "w\(depth)", depth: depth + 1)) }"
        case .stream(let element, _):
            "try \(writer).writeStream(\(value)) { w\(depth), e\(depth) in \(element.encode("e\(depth)", "w\(depth)", depth: depth + 1)) }"
        }
    }

    /// A statement that writes the stored property `value` (such as `elements[index].name`) with
    /// writer variable `writer`: strings and opaque data are read where they are stored
    /// (`inPlace:`), so the storage holding them is not retained to be written; other values as `encode(_:_:depth:)`.
    func encodeStored(_ value: String, _ writer: String) -> String {
        switch unaliased {
        case .string(let maximum):
            "try \(writer).writeString(inPlace: \(value)\(Self.trailingBound("maxLength", maximum)))"
        case .fixedOpaque(let size): "try \(writer).writeFixedOpaque(inPlace: \(value), length: \(size))"
        case .variableOpaque(let maximum):
            "try \(writer).writeVariableOpaque(inPlace: \(value)\(Self.trailingBound("maxLength", maximum)))"
        default: encode(value, writer)
        }
    }

    /// Whether values are generated types (enums, structs, unions) with their own encoder.
    var isNamed: Bool {
        if case .named = unaliased { return true }
        return false
    }

    /// The fewest bytes a value can take on the wire (bounds array counts by input size).
    var minimumWireSize: Int {
        switch self {
        case .int32, .uint32, .float, .bool, .string, .variableOpaque, .array, .optional, .named, .stream: 4
        case .int64, .uint64, .double: 8
        case .quadruple: 16
        case .void: 0
        case .fixedOpaque(let size): Int((size + 3) / 4 * 4)
        case .alias(_, let codec): codec.minimumWireSize
        case .fixedArray(let element, let count): min(4, element.minimumWireSize * Int(min(count, 4)))
        }
    }
}
