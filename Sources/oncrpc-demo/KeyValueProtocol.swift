import NIOCore
import ONCRPC
import XDR

/// A small key-value protocol, written by hand until swift-rpcgen generates it:
///
/// ```
/// struct kv_pair { string key<255>; opaque value<4096>; };
/// union kv_result switch (bool found) { case TRUE: opaque value<4096>; case FALSE: void; };
/// program KEYVALUE { version KEYVALUE_V1 {
///     bool PUT(kv_pair) = 1; kv_result GET(string) = 2; bool DELETE(string) = 3;
///     string LIST(void)<> = 4;   /* as an array of keys */
/// } = 1; } = 0x20000099;
/// ```
enum KeyValue {
    static let program: UInt32 = 0x2000_0099
    static let version: UInt32 = 1

    static let put = RPCProcedureDescriptor<Pair, Bool>(program: program, version: version, procedure: 1, name: "PUT")
    static let get = RPCProcedureDescriptor<Key, Lookup>(program: program, version: version, procedure: 2, name: "GET")
    static let delete = RPCProcedureDescriptor<Key, Bool>(
        program: program, version: version, procedure: 3, name: "DELETE")
    static let list = RPCProcedureDescriptor<XDRVoid, Keys>(
        program: program, version: version, procedure: 4, name: "LIST")

    /// `string key<255>`.
    struct Key: XDRCodable, Sendable {
        var name: String
        init(_ name: String) { self.name = name }
        init(from reader: inout XDRReader) throws { name = try reader.readString(maxLength: 255) }
        func encode(to writer: inout XDRWriter) throws { try writer.writeString(name, maxLength: 255) }
    }

    /// `struct kv_pair`.
    struct Pair: XDRCodable, Sendable {
        var key: String
        var value: ByteBuffer
        init(key: String, value: ByteBuffer) {
            self.key = key
            self.value = value
        }
        init(from reader: inout XDRReader) throws {
            key = try reader.withField("key") { try $0.readString(maxLength: 255) }
            value = try reader.withField("value") { try $0.readVariableOpaque(maxLength: 4096) }
        }
        func encode(to writer: inout XDRWriter) throws {
            try writer.withField("key") { try $0.writeString(key, maxLength: 255) }
            try writer.withField("value") { try $0.writeVariableOpaque(value, maxLength: 4096) }
        }
    }

    /// `union kv_result`.
    enum Lookup: XDRCodable, Sendable {
        case found(ByteBuffer)
        case notFound
        init(from reader: inout XDRReader) throws {
            self = try reader.readBool() ? .found(try reader.readVariableOpaque(maxLength: 4096)) : .notFound
        }
        func encode(to writer: inout XDRWriter) throws {
            switch self {
            case .found(let value):
                writer.writeBool(true)
                try writer.writeVariableOpaque(value, maxLength: 4096)
            case .notFound:
                writer.writeBool(false)
            }
        }
    }

    /// The keys LIST returns.
    struct Keys: XDRCodable, Sendable {
        var names: [String]
        init(_ names: [String]) { self.names = names }
        init(from reader: inout XDRReader) throws {
            names = try reader.readArray { try $0.readString(maxLength: 255) }
        }
        func encode(to writer: inout XDRWriter) throws {
            try writer.writeArray(names) { try $0.writeString($1, maxLength: 255) }
        }
    }
}
