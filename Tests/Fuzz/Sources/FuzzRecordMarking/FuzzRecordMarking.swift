// Fuzzes RecordMarkingDecoder. The first byte sets the record-size limit, the second how the
// stream is cut into reads; the rest is the stream. The decoder, fed piece by piece, must give
// exactly the records (or the limit error) that a plain one-pass reading of the stream gives,
// and each record framed again must decode to itself.
import NIOCore
import ONCRPC

/// The outcome of reading a whole stream.
struct Outcome: Equatable {
    var records: [ByteBuffer] = []
    var tooLarge = false
    var tooManyFragments = false
}

/// The decoder's fragment limit for the record sizes fuzzed here (at most 1,020 bytes).
let fragmentLimit = 16 << 10

/// The reference: reads the stream in one pass, fragment by fragment.
func referenceRead(_ stream: [UInt8], limit: Int) -> Outcome {
    var outcome = Outcome()
    var offset = 0
    var current: [UInt8] = []
    var fragments = 0
    while stream.count - offset >= 4 {
        let header =
            UInt32(stream[offset]) << 24 | UInt32(stream[offset + 1]) << 16 | UInt32(stream[offset + 2]) << 8
            | UInt32(stream[offset + 3])
        let length = Int(header & 0x7FFF_FFFF)
        if current.count + length > limit {
            outcome.tooLarge = true
            return outcome
        }
        if fragments == fragmentLimit {
            outcome.tooManyFragments = true
            return outcome
        }
        guard stream.count - offset - 4 >= length else { return outcome }
        fragments += 1
        current += stream[(offset + 4)..<(offset + 4 + length)]
        offset += 4 + length
        if header & 0x8000_0000 != 0 {
            outcome.records.append(ByteBuffer(bytes: current))
            current = []
            fragments = 0
        }
    }
    return outcome
}

/// The decoder, fed reads of the sizes `cut` picks.
func decoderRead(_ stream: [UInt8], limit: Int, cut: UInt8) -> Outcome {
    var outcome = Outcome()
    var decoder = RecordMarkingDecoder(maximumRecordSize: limit)
    var buffer = ByteBuffer()
    var offset = 0
    var step = 0
    while offset < stream.count {
        // Pieces of 1 to 64 bytes, varying with `cut`.
        let size = min(stream.count - offset, 1 + (Int(cut) &* (step + 7) &+ step * 13) % 64)
        buffer.writeBytes(stream[offset..<(offset + size)])
        offset += size
        step += 1
        do {
            while let record = try decoder.decodeRecord(from: &buffer) {
                outcome.records.append(record)
            }
        } catch is RecordMarkingDecoder.RecordTooLarge {
            outcome.tooLarge = true
            return outcome
        } catch is RecordMarkingDecoder.TooManyFragments {
            outcome.tooManyFragments = true
            return outcome
        } catch {
            fatalError("unexpected error \(error)")
        }
    }
    return outcome
}

/// One input: returns 0, or traps.
func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 2 else { return 0 }
    let limit = Int(data[0]) * 4
    let cut = data[1]
    let stream = Array(UnsafeBufferPointer(start: data + 2, count: size - 2))
    let expected = referenceRead(stream, limit: limit)
    let actual = decoderRead(stream, limit: limit, cut: cut)
    guard expected == actual else {
        fatalError("decoder read \(actual), the reference \(expected)")
    }
    for record in expected.records {
        var framed = ByteBuffer()
        RecordMarking.frame(record, into: &framed, maximumFragmentSize: 1 + Int(cut) % 16)
        var decoder = RecordMarkingDecoder(maximumRecordSize: limit)
        guard let again = try? decoder.decodeRecord(from: &framed), again == record, framed.readableBytes == 0 else {
            fatalError("a record framed again does not decode to itself: \(record)")
        }
    }
    return 0
}
