import NIOCore
import Testing
import XDR

@Suite("XDR decoding of hostile input")
struct HostileInputTests {
    @Test func everyTruncationOfAValidEncodingThrowsTruncated() throws {
        let bytes = RFCExampleTests.rfcBytes
        for length in 0..<bytes.count {
            let error = decodingError { _ = try File(xdrBytes: Array(bytes.prefix(length))) }
            #expect(error?.code == .truncated, "prefix of \(length) bytes")
            #expect((error?.offset ?? -1) <= length)
        }
    }

    @Test func everyTruncationOfALinkedListThrows() throws {
        let list = Node(value: 1, next: Node(value: 2, next: Node(value: 3, next: nil)))
        let bytes = try encoded(list)
        for length in 0..<bytes.count {
            let error = decodingError { _ = try Node(xdrBytes: Array(bytes.prefix(length))) }
            #expect(error?.code == .truncated)
        }
    }

    @Test func hugeLengthsCostOnlyAnError() {
        let huge = hexBytes("ffffffff")
        let string = decodingError { _ = try String(xdrBytes: huge) }
        #expect(string?.code == .truncated)
        #expect(string?.offset == 0, "the offset of the length, not of what follows it")
        #expect(decodingError { _ = try ByteBuffer(xdrBytes: huge) }?.code == .truncated)
        #expect(decodingError { _ = try [Int32](xdrBytes: huge) }?.code == .truncated)
        #expect(decodingError { _ = try [String](xdrBytes: huge + [0, 0, 0, 0]) }?.code == .truncated)

        var reader = XDRReader(buffer: ByteBuffer(bytes: huge))
        let bounded = decodingError { _ = try reader.readString(maxLength: 255) }
        #expect(bounded?.code == .lengthExceedsMaximum)
        #expect(bounded?.offset == 0)
    }

    @Test func boolOfTwoIsRejected() {
        let error = decodingError { _ = try Bool(xdrBytes: hexBytes("00000002")) }
        #expect(error?.code == .invalidBool)
        #expect(error?.offset == 0)
        #expect(decodingError { _ = try Int32?(xdrBytes: hexBytes("00000002 00000001")) }?.code == .invalidBool)
    }

    @Test func nonZeroPaddingUnderStrictOptions() throws {
        let bytes = hexBytes("00000001 41000100")
        let error = decodingError { _ = try String(xdrBytes: bytes, options: .strict) }
        #expect(error?.code == .nonZeroPadding)
        #expect(error?.offset == 6)
        // Lenient (the default) accepts it, as libtirpc does.
        #expect(try String(xdrBytes: bytes) == "A")
        var reader = XDRReader(buffer: ByteBuffer(bytes: hexBytes("01020300")), options: .strict)
        #expect(throws: Never.self) { _ = try reader.readFixedOpaque(length: 3) }
    }

    @Test func invalidUTF8IsRejected() throws {
        let bytes = hexBytes("00000002 c328 0000")
        let error = decodingError { _ = try String(xdrBytes: bytes) }
        #expect(error?.code == .invalidUTF8)
        var reader = XDRReader(buffer: ByteBuffer(bytes: bytes))
        let raw = try reader.readStringBytes()
        #expect(Array(raw.readableBytesView) == [0xC3, 0x28])
    }

    @Test func aByteOver0x7FIsSeenAtEveryPositionOfStringsOfEveryShortLength() throws {
        // The ASCII fast path tests words, a head and tail pair, or single bytes depending on the
        // length: an invalid byte or a two-byte character anywhere must take the validating path.
        for length in 1...24 {
            for position in 0..<length {
                var invalid = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                invalid[position] = 0xFF
                let error = decodingError { _ = try String(xdrBytes: try encoded(ByteBuffer(bytes: invalid))) }
                #expect(error?.code == .invalidUTF8, "0xFF at \(position) of \(length)")
                guard position + 1 < length else { continue }
                var accented = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                accented[position] = 0xC3
                accented[position + 1] = 0xA9  // é
                let decoded = try String(xdrBytes: try encoded(ByteBuffer(bytes: accented)))
                #expect(Array(decoded.utf8) == accented, "é at \(position) of \(length)")
            }
        }
    }

    @Test func optionalChainDeeperThanTheLimit() throws {
        // A chain of 100 nodes, decoded with a depth limit of 50.
        var writer = XDRWriter()
        for index in 0..<100 {
            writer.writeInt32(Int32(index))
            writer.writeBool(true)
        }
        writer.writeInt32(100)
        writer.writeBool(false)
        let bytes = writer.buffer
        let limited = XDRDecodingOptions(maximumDepth: 50)
        let error = decodingError { _ = try Node(xdrBytes: bytes, options: limited) }
        #expect(error?.code == .depthLimitExceeded)
        #expect(try Node(xdrBytes: bytes, options: XDRDecodingOptions(maximumDepth: 101)).values.count == 101)
    }

    @Test func hostileDepthDoesNotOverflowTheStack() throws {
        // A chain 100,000 deep: the default depth limit stops it long before the stack runs out.
        var writer = XDRWriter(capacity: 1 << 20)
        for _ in 0..<100_000 {
            writer.writeInt32(0)
            writer.writeBool(true)
        }
        let error = decodingError { _ = try Node(xdrBytes: writer.buffer) }
        #expect(error?.code == .depthLimitExceeded)
    }

    @Test func allocationBudgetIsEnforced() throws {
        let strings = Array(repeating: String(repeating: "s", count: 1000), count: 10)
        let bytes = try encoded(strings)
        let small = XDRDecodingOptions(maximumAllocation: 5000)
        let error = decodingError { _ = try [String](xdrBytes: bytes, options: small) }
        #expect(error?.code == .allocationLimitExceeded)
        #expect(try [String](xdrBytes: bytes, options: XDRDecodingOptions(maximumAllocation: 20000)) == strings)
    }

    @Test func zeroSizeElementsCannotBeCountedUnbounded() throws {
        // An array claiming 2^32-1 elements that take no bytes (void) is stopped by the budget,
        // not looped over.
        var reader = XDRReader(buffer: ByteBuffer(bytes: hexBytes("ffffffff")))
        let error = decodingError { _ = try reader.readArray(of: XDRVoid.self, minimumElementSize: 0) }
        #expect(error?.code == .allocationLimitExceeded)
    }

    @Test func errorsInArraysNameTheIndex() {
        let bytes = hexBytes("00000002 00000001 41000000 00000002 c328 0000")
        let error = decodingError { _ = try [String](xdrBytes: bytes) }
        #expect(error?.code == .invalidUTF8)
        #expect(error?.fieldPath == ["[1]"])
    }

    @Test func randomGarbageNeverCrashes() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let count = Int.random(in: 0..<64, using: &generator)
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = try? File(xdrBytes: bytes)
            _ = try? Node(xdrBytes: bytes)
            _ = try? [String](xdrBytes: bytes)
        }
    }
}
