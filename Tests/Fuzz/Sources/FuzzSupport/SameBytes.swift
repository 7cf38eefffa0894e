public import NIOCore
public import XDR

/// Encodes with `encode` and traps unless the bytes written are exactly `read`: the check every
/// decode-then-re-encode fuzz target makes.
public func expectSameBytes(_ what: String, read: ByteBuffer, _ encode: (inout XDRWriter) throws -> Void) {
    var writer = XDRWriter()
    do {
        try encode(&writer)
    } catch {
        fatalError("a decoded \(what) does not encode: \(error)")
    }
    guard writer.buffer == read else {
        fatalError(
            "\(what) re-encodes differently:\n read    \(read.hexDump(format: .plain))\n"
                + " written \(writer.buffer.hexDump(format: .plain))")
    }
}
