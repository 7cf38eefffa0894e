// Fuzzes XDR decoding of the types generated from xdr/interop.x. The first byte of an input
// picks the type, the rest is its XDR. Whatever decodes (strictly: zero padding, bool 0 or 1)
// must encode back to exactly the bytes it was read from; whatever does not must fail with an
// XDRDecodingError, within the allocation budget.
import FuzzSupport
import InteropTypes
import NIOCore
import XDR

/// Decodes a `T` from `input`; if that works, re-encodes it and traps unless the bytes match.
func roundTrip<T: XDRCodable>(_ type: T.Type, _ input: ByteBuffer) {
    var options = XDRDecodingOptions.strict
    options.maximumAllocation = 1 << 20
    var reader = XDRReader(buffer: input, options: options)
    let value: T
    do {
        value = try T(from: &reader)
    } catch is XDRDecodingError {
        return
    } catch {
        fatalError("decoding \(T.self) threw something other than an XDRDecodingError: \(error)")
    }
    let consumed = input.readableBytes - reader.remainingBytes
    expectSameBytes("\(T.self)", read: input.getSlice(at: input.readerIndex, length: consumed)!) {
        try value.encode(to: &$0)
    }
}

/// One input: returns 0, or traps.
func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let input = ByteBuffer(bytes: UnsafeBufferPointer(start: data + 1, count: size - 1))
    switch data[0] % 8 {
    case 0: roundTrip(Record.self, input)
    case 1: roundTrip(SampleCheck.self, input)
    case 2: roundTrip(Value.self, input)
    case 3: roundTrip(Status.self, input)
    case 4: roundTrip(Node.self, input)
    case 5: roundTrip(Failure.self, input)
    case 6: roundTrip(Point.self, input)
    default: roundTrip(Color.self, input)
    }
    return 0
}
