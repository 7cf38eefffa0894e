import NIOCore
import XDR

// A small XDR demonstration: the "file" structure of RFC 4506 §7, encoded and decoded back.

/// The `filekind` enum of RFC 4506 §7.
enum FileKind: Int32, XDREnum {
    case text = 0
    case data = 1
    case exec = 2
}

/// The `filetype` union of RFC 4506 §7.
enum FileType: XDRCodable, Equatable {
    case text
    case data(creator: String)
    case exec(interpretor: String)

    init(from reader: inout XDRReader) throws {
        switch try reader.read(FileKind.self, field: "kind") {
        case .text: self = .text
        case .data: self = .data(creator: try reader.withField("creator") { try $0.readString(maxLength: 255) })
        case .exec: self = .exec(interpretor: try reader.withField("interpretor") { try $0.readString(maxLength: 255) })
        }
    }

    func encode(to writer: inout XDRWriter) throws {
        switch self {
        case .text:
            writer.writeEnum(FileKind.text)
        case .data(let creator):
            writer.writeEnum(FileKind.data)
            try writer.withField("creator") { try $0.writeString(creator, maxLength: 255) }
        case .exec(let interpretor):
            writer.writeEnum(FileKind.exec)
            try writer.withField("interpretor") { try $0.writeString(interpretor, maxLength: 255) }
        }
    }
}

/// The `file` structure of RFC 4506 §7.
struct File: XDRCodable, Equatable {
    var filename: String
    var type: FileType
    var owner: String
    var data: ByteBuffer

    init(filename: String, type: FileType, owner: String, data: ByteBuffer) {
        self.filename = filename
        self.type = type
        self.owner = owner
        self.data = data
    }

    init(from reader: inout XDRReader) throws {
        filename = try reader.withField("filename") { try $0.readString(maxLength: 255) }
        type = try reader.read(FileType.self, field: "type")
        owner = try reader.withField("owner") { try $0.readString(maxLength: 32) }
        data = try reader.withField("data") { try $0.readVariableOpaque(maxLength: 65535) }
    }

    func encode(to writer: inout XDRWriter) throws {
        try writer.withField("filename") { try $0.writeString(filename, maxLength: 255) }
        try writer.write(type, field: "type")
        try writer.withField("owner") { try $0.writeString(owner, maxLength: 32) }
        try writer.withField("data") { try $0.writeVariableOpaque(data, maxLength: 65535) }
    }
}

let file = File(
    filename: "sillyprog",
    type: .exec(interpretor: "lisp"),
    owner: "john",
    data: ByteBuffer(string: "(quit)")
)
let bytes = try file.xdrBytes()
print("RFC 4506 §7 file structure, \(bytes.readableBytes) bytes of XDR:")
let hex = bytes.readableBytesView.map { byte in
    let digits = String(byte, radix: 16)
    return digits.count == 1 ? "0" + digits : digits
}
var line = 0
while line * 16 < hex.count {
    let chunk = hex[(line * 16)..<min(hex.count, line * 16 + 16)]
    print("  " + chunk.joined(separator: " "))
    line += 1
}
let decoded = try File(xdrBytes: bytes)
print(
    "decoded back: \(decoded.filename) (\(decoded.type)), owner \(decoded.owner), \(decoded.data.readableBytes) bytes of data"
)
print(decoded == file ? "round trip: identical" : "round trip: MISMATCH")

var truncated = bytes
truncated.moveWriterIndex(to: bytes.writerIndex - 9)
do {
    _ = try File(xdrBytes: truncated)
} catch {
    print("a truncated copy is rejected: \(error)")
}
