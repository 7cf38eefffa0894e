import NIOCore
import Testing
import XDR

/// Encodes `value` and returns the bytes as an array.
func encoded<T: XDREncodable>(_ value: T) throws -> [UInt8] {
    try value.xdrByteArray()
}

/// Parses a string of hexadecimal digits (spaces ignored) into bytes.
func hexBytes(_ text: String) -> [UInt8] {
    let digits = text.filter { !$0.isWhitespace }
    precondition(digits.count % 2 == 0, "odd number of hex digits")
    var bytes: [UInt8] = []
    var index = digits.startIndex
    while index < digits.endIndex {
        let next = digits.index(index, offsetBy: 2)
        bytes.append(UInt8(digits[index..<next], radix: 16)!)
        index = next
    }
    return bytes
}

/// Runs `body` and returns the XDRDecodingError it throws, recording an issue otherwise.
func decodingError(
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) -> XDRDecodingError? {
    do {
        try body()
        Issue.record("expected an XDRDecodingError, got success", sourceLocation: sourceLocation)
        return nil
    } catch let error as XDRDecodingError {
        return error
    } catch {
        Issue.record("expected an XDRDecodingError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Runs `body` and returns the XDREncodingError it throws, recording an issue otherwise.
func encodingError(
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) -> XDREncodingError? {
    do {
        try body()
        Issue.record("expected an XDREncodingError, got success", sourceLocation: sourceLocation)
        return nil
    } catch let error as XDREncodingError {
        return error
    } catch {
        Issue.record("expected an XDREncodingError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// The `file` example of RFC 4506 §7, written by hand as generated code would be.
enum FileKind: Int32, XDREnum {
    case text = 0
    case data = 1
    case exec = 2
}

/// The `filetype` union of RFC 4506 §7.
enum FileType: XDRCodable, Hashable {
    case text
    case data(creator: String)
    case exec(interpretor: String)

    init(from reader: inout XDRReader) throws {
        switch try reader.read(FileKind.self, field: "kind") {
        case .text: self = .text
        case .data: self = .data(creator: try reader.withField("creator") { try $0.readString(maxLength: 255) })
        case .exec:
            self = .exec(interpretor: try reader.withField("interpretor") { try $0.readString(maxLength: 255) })
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
struct File: XDRCodable, Hashable {
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

/// A singly linked list node, `struct node { int value; node *next; }`.
final class Node: XDRCodable, @unchecked Sendable {
    let value: Int32
    let next: Node?

    init(value: Int32, next: Node?) {
        self.value = value
        self.next = next
    }

    init(from reader: inout XDRReader) throws {
        value = try reader.readInt32()
        next = try reader.readOptional(Node.self)
    }

    func encode(to writer: inout XDRWriter) throws {
        writer.writeInt32(value)
        try writer.writeOptional(next)
    }

    var values: [Int32] {
        var result: [Int32] = []
        var current: Node? = self
        while let node = current {
            result.append(node.value)
            current = node.next
        }
        return result
    }
}
