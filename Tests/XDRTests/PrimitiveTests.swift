import NIOCore
import Testing
import XDR

@Suite("XDR primitives at their edges")
struct PrimitiveTests {
    @Test(arguments: [Int32.min, -1, 0, 1, 0x1234_5678, Int32.max])
    func int32RoundTrip(_ value: Int32) throws {
        let bytes = try encoded(value)
        #expect(bytes == withUnsafeBytes(of: value.bigEndian) { Array($0) })
        #expect(try Int32(xdrBytes: bytes) == value)
    }

    @Test(arguments: [UInt32.min, 1, 0x8000_0000, UInt32.max])
    func uint32RoundTrip(_ value: UInt32) throws {
        let bytes = try encoded(value)
        #expect(bytes == withUnsafeBytes(of: value.bigEndian) { Array($0) })
        #expect(try UInt32(xdrBytes: bytes) == value)
    }

    @Test(arguments: [Int64.min, -1, 0, 1, Int64.max])
    func int64RoundTrip(_ value: Int64) throws {
        let bytes = try encoded(value)
        #expect(bytes.count == 8)
        #expect(bytes == withUnsafeBytes(of: value.bigEndian) { Array($0) })
        #expect(try Int64(xdrBytes: bytes) == value)
    }

    @Test(arguments: [UInt64.min, 1, 0x8000_0000_0000_0000, UInt64.max])
    func uint64RoundTrip(_ value: UInt64) throws {
        let bytes = try encoded(value)
        #expect(bytes == withUnsafeBytes(of: value.bigEndian) { Array($0) })
        #expect(try UInt64(xdrBytes: bytes) == value)
    }

    @Test func boolEncoding() throws {
        #expect(try encoded(true) == [0, 0, 0, 1])
        #expect(try encoded(false) == [0, 0, 0, 0])
        #expect(try Bool(xdrBytes: [0, 0, 0, 1]) == true)
        #expect(try Bool(xdrBytes: [0, 0, 0, 0]) == false)
    }

    @Test func lenientBoolAcceptsNonZero() throws {
        let lenient = XDRDecodingOptions(strictBool: false)
        #expect(try Bool(xdrBytes: [0, 0, 0, 2], options: lenient) == true)
        #expect(try Bool(xdrBytes: [0xFF, 0xFF, 0xFF, 0xFF], options: lenient) == true)
    }

    @Test(
        arguments: [
            0x0000_0000, 0x8000_0000, 0x3F80_0000, 0x7F80_0000, 0xFF80_0000, 0x7FC0_0000,
            0x7FC1_2345, 0x7F80_0001, 0xFFBF_FFFF, 0x0000_0001, 0x007F_FFFF, 0x7F7F_FFFF,
        ] as [UInt32])
    func floatBitExact(_ bits: UInt32) throws {
        let value = Float(bitPattern: bits)
        let bytes = try encoded(value)
        #expect(bytes == withUnsafeBytes(of: bits.bigEndian) { Array($0) })
        let decoded = try Float(xdrBytes: bytes)
        #expect(decoded.bitPattern == bits)
        #expect(try encoded(decoded) == bytes)
    }

    @Test(
        arguments: [
            0x0000_0000_0000_0000, 0x8000_0000_0000_0000, 0x3FF0_0000_0000_0000, 0x7FF0_0000_0000_0000,
            0xFFF0_0000_0000_0000, 0x7FF8_0000_0000_0000, 0x7FF8_0000_DEAD_BEEF, 0x7FF0_0000_0000_0001,
            0xFFF7_FFFF_FFFF_FFFF, 0x0000_0000_0000_0001, 0x7FEF_FFFF_FFFF_FFFF,
        ] as [UInt64])
    func doubleBitExact(_ bits: UInt64) throws {
        let value = Double(bitPattern: bits)
        let bytes = try encoded(value)
        #expect(bytes == withUnsafeBytes(of: bits.bigEndian) { Array($0) })
        let decoded = try Double(xdrBytes: bytes)
        #expect(decoded.bitPattern == bits)
        #expect(try encoded(decoded) == bytes)
    }

    @Test func negativeZeroAndInfinitiesSurvive() throws {
        let minusZero = try Double(xdrBytes: try encoded(-0.0 as Double))
        #expect(minusZero == 0 && minusZero.sign == .minus)
        #expect(try Double(xdrBytes: try encoded(Double.infinity)) == .infinity)
        #expect(try Float(xdrBytes: try encoded(-Float.infinity)) == -.infinity)
        let minusZeroFloat = try Float(xdrBytes: try encoded(-0.0 as Float))
        #expect(minusZeroFloat.sign == .minus)
    }

    @Test func quadrupleIsBitExact() throws {
        let patterns: [XDRQuadruple] = [
            XDRQuadruple(highBits: 0, lowBits: 0),
            XDRQuadruple(highBits: 0x8000_0000_0000_0000, lowBits: 0),
            XDRQuadruple(highBits: 0x7FFF_8000_0000_0000, lowBits: 0x1234),  // NaN with payload
            XDRQuadruple(highBits: 0x3FFF_0000_0000_0000, lowBits: 0),  // 1.0
            XDRQuadruple(highBits: 0x0123_4567_89AB_CDEF, lowBits: 0xFEDC_BA98_7654_3210),
        ]
        for quad in patterns {
            let bytes = try encoded(quad)
            #expect(bytes.count == 16)
            #expect(try XDRQuadruple(xdrBytes: bytes) == quad)
        }
        #expect(
            try encoded(XDRQuadruple(highBits: 0x0123_4567_89AB_CDEF, lowBits: 0xFEDC_BA98_7654_3210))
                == hexBytes("0123456789abcdef fedcba9876543210"))
    }

    @Test(arguments: [1.0, -2.5, 0.1, .pi, 1e300, -1e-300, Double.leastNonzeroMagnitude, .greatestFiniteMagnitude])
    func quadrupleConvertsDoublesExactly(_ value: Double) {
        let quad = XDRQuadruple(value)
        #expect(quad.doubleValue.bitPattern == value.bitPattern)
    }

    @Test func quadrupleKnownEncodings() {
        #expect(XDRQuadruple(1.0) == XDRQuadruple(highBits: 0x3FFF_0000_0000_0000, lowBits: 0))
        #expect(XDRQuadruple(-2.0) == XDRQuadruple(highBits: 0xC000_0000_0000_0000, lowBits: 0))
        #expect(XDRQuadruple(.infinity) == XDRQuadruple(highBits: 0x7FFF_0000_0000_0000, lowBits: 0))
        #expect(XDRQuadruple(-0.0).doubleValue.sign == .minus)
        #expect(XDRQuadruple(.nan).doubleValue.isNaN)
        // 1 + 2^-60 rounds to 1.0; 1 + 2^-52 + 2^-53 + tiny rounds up.
        #expect(XDRQuadruple(highBits: 0x3FFF_0000_0000_0000, lowBits: 1 << 52).doubleValue == 1.0)
    }

    @Test(arguments: 0...9)
    func opaquePaddingForEveryLength(_ length: Int) throws {
        let payload = (0..<length).map { UInt8($0 + 1) }
        let padded = (length + 3) / 4 * 4
        // Variable-length: a length word, the bytes, zero padding.
        var writer = XDRWriter()
        try writer.writeVariableOpaque(bytes: payload)
        let variable = Array(writer.buffer.readableBytesView)
        #expect(variable.count == 4 + padded)
        #expect(variable[0..<4] == [0, 0, 0, UInt8(length)])
        #expect(Array(variable[4..<(4 + length)]) == payload)
        #expect(variable[(4 + length)...].allSatisfy { $0 == 0 })
        var reader = XDRReader(buffer: writer.buffer, options: .strict)
        let back = try reader.readVariableOpaque()
        #expect(Array(back.readableBytesView) == payload)
        #expect(reader.remainingBytes == 0)
        // Fixed-length: no length word.
        var fixedWriter = XDRWriter()
        try fixedWriter.writeFixedOpaque(bytes: payload, length: length)
        #expect(fixedWriter.buffer.readableBytes == padded)
        var fixedReader = XDRReader(buffer: fixedWriter.buffer, options: .strict)
        #expect(Array(try fixedReader.readFixedOpaque(length: length).readableBytesView) == payload)
        #expect(fixedReader.remainingBytes == 0)
    }

    @Test(arguments: ["", "a", "ab", "abc", "abcd", "abcde", "héllo wörld", "日本語"])
    func stringRoundTrip(_ string: String) throws {
        let bytes = try encoded(string)
        let length = string.utf8.count
        #expect(bytes.count == 4 + (length + 3) / 4 * 4)
        #expect(try String(xdrBytes: bytes, options: .strict) == string)
    }

    @Test func maximumLengthStringAndOpaque() throws {
        let string = String(repeating: "x", count: 255)
        var writer = XDRWriter()
        try writer.writeString(string, maxLength: 255)
        var reader = XDRReader(buffer: writer.buffer)
        #expect(try reader.readString(maxLength: 255) == string)

        let tooLong = String(repeating: "x", count: 256)
        let error = encodingError { try writer.writeString(tooLong, maxLength: 255) }
        #expect(error?.code == .lengthExceedsMaximum)

        let bytes = ByteBuffer(repeating: 7, count: 1024)
        try writer.writeVariableOpaque(bytes, maxLength: 1024)
        #expect(encodingError { try writer.writeVariableOpaque(bytes, maxLength: 1023) }?.code == .lengthExceedsMaximum)
        #expect(encodingError { try writer.writeFixedOpaque(bytes, length: 1000) }?.code == .fixedLengthMismatch)
    }

    @Test func opaqueIsASliceNotACopy() throws {
        var writer = XDRWriter()
        try writer.writeVariableOpaque(ByteBuffer(repeating: 0x5A, count: 4096))
        var reader = XDRReader(buffer: writer.buffer)
        let slice = try reader.readVariableOpaque()
        let sameStorage = writer.buffer.withUnsafeReadableBytes { whole in
            slice.withUnsafeReadableBytes { part in
                part.baseAddress == whole.baseAddress! + 4
            }
        }
        #expect(sameStorage)
    }

    @Test func arraysFixedAndVariable() throws {
        let values: [Int32] = [1, -2, 3]
        #expect(try encoded(values) == hexBytes("00000003 00000001 fffffffe 00000003"))
        #expect(try [Int32](xdrBytes: try encoded(values)) == values)
        #expect(try encoded([Int32]()) == [0, 0, 0, 0])

        var writer = XDRWriter()
        try writer.writeFixedArray(values, count: 3)
        #expect(Array(writer.buffer.readableBytesView) == hexBytes("00000001 fffffffe 00000003"))
        var reader = XDRReader(buffer: writer.buffer)
        #expect(try reader.readFixedArray(of: Int32.self, count: 3) == values)
        #expect(encodingError { try writer.writeFixedArray(values, count: 4) }?.code == .fixedLengthMismatch)
        #expect(encodingError { try writer.writeArray(values, maxCount: 2) }?.code == .lengthExceedsMaximum)

        let strings = ["a", "bcd", ""]
        #expect(try [String](xdrBytes: try encoded(strings)) == strings)
    }

    @Test func optionalData() throws {
        let some: Int32? = 7
        let none: Int32? = nil
        #expect(try encoded(some) == hexBytes("00000001 00000007"))
        #expect(try encoded(none) == hexBytes("00000000"))
        #expect(try Int32?(xdrBytes: hexBytes("00000001 00000007")) == 7)
        #expect(try Int32?(xdrBytes: hexBytes("00000000")) == nil)
    }

    @Test func voidIsEmpty() throws {
        #expect(try encoded(XDRVoid()).isEmpty)
        #expect(try XDRVoid(xdrBytes: []) == XDRVoid())
    }

    @Test func enumsRejectUndeclaredValues() throws {
        #expect(try FileKind(xdrBytes: hexBytes("00000002")) == .exec)
        let error = decodingError { _ = try FileKind(xdrBytes: hexBytes("00000003")) }
        #expect(error?.code == .invalidEnumValue)
        #expect(error?.offset == 0)
    }

    @Test func bufferConveniences() throws {
        var buffer = ByteBuffer()
        let written = try buffer.writeXDR("hi")
        #expect(written == 8)
        try buffer.writeXDR(Int64(-1))
        #expect(try buffer.readXDR(String.self) == "hi")
        #expect(try buffer.readXDR(Int64.self) == -1)
        #expect(buffer.readableBytes == 0)
    }

    @Test func readXDRLeavesIndexOnError() throws {
        var buffer = ByteBuffer(bytes: [0, 0, 0, 9, 1, 2])
        #expect(throws: XDRDecodingError.self) { try buffer.readXDR(String.self) }
        #expect(buffer.readerIndex == 0)
    }
}
