import NIOCore
import Testing
import XDR

@Suite("RFC 4506 §7: the worked example")
struct RFCExampleTests {
    /// The 48 bytes RFC 4506 §7 lists for the "sillyprog" file.
    static let rfcBytes = hexBytes(
        """
        00000009 73696c6c 7970726f 67000000
        00000002
        00000004 6c697370
        00000004 6a6f686e
        00000006 28717569 74290000
        """)

    static let file = File(
        filename: "sillyprog",
        type: .exec(interpretor: "lisp"),
        owner: "john",
        data: ByteBuffer(string: "(quit)")
    )

    @Test func encodesToTheRFCBytes() throws {
        #expect(try encoded(Self.file) == Self.rfcBytes)
    }

    @Test func decodesTheRFCBytes() throws {
        let decoded = try File(xdrBytes: Self.rfcBytes, options: .strict)
        #expect(decoded == Self.file)
    }

    @Test func trailingBytesAreRejected() {
        let error = decodingError { _ = try File(xdrBytes: Self.rfcBytes + [0, 0, 0, 0]) }
        #expect(error?.code == .trailingBytes)
        #expect(error?.offset == 48)
    }

    @Test func errorsNameTheField() {
        // Make the owner 33 bytes long: over its maximum of 32.
        var bytes = Self.rfcBytes
        bytes[31] = 33
        let error = decodingError { _ = try File(xdrBytes: bytes) }
        #expect(error?.code == .lengthExceedsMaximum)
        #expect(error?.fieldPath == ["owner"])
        #expect(error?.offset == 28)
    }

    @Test func encodingErrorsNameTheField() {
        var file = Self.file
        file.type = .data(creator: String(repeating: "c", count: 300))
        let error = encodingError { _ = try file.xdrBytes() }
        #expect(error?.code == .lengthExceedsMaximum)
        #expect(error?.fieldPath == ["type", "creator"])
    }
}
