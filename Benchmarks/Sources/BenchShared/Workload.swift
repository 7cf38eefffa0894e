public import NIOCore

/// The values the benchmarks encode, built exactly as `Benchmarks/c/bench-common.c` builds
/// them, so the Swift and C sides of `compare.sh` code the same bytes.
public enum Workload {
    /// The number of directory entries in the XDR workload's batch.
    public static let batchEntries = 1000

    private static let kinds: [BenchFtype] = [.bfReg, .bfDir, .bfLnk, .bfReg, .bfChr, .bfReg, .bfBlk, .bfNone]

    /// The XDR workload: 1,000 entries resembling NFS READDIRPLUS entries.
    public static func batch() -> BenchBatch {
        var entries: [BenchDirent] = []
        entries.reserveCapacity(batchEntries)
        for i in 0..<batchEntries {
            let number = String(i)
            let padded = String(repeating: "0", count: max(0, 4 - number.count)) + number
            let letter = Character(Unicode.Scalar(UInt8(ascii: "a") + UInt8(i % 26)))
            let name = "file-\(padded)-" + String(repeating: letter, count: i % 48)
            var cookie = ByteBuffer()
            for j in 0..<(8 + (i % 5) * 8) {
                cookie.writeInteger(UInt8(truncatingIfNeeded: i * 31 + j))
            }
            let type = kinds[i % 8]
            let attributes: BenchAttr? =
                i % 4 == 3
                ? nil
                : BenchAttr(
                    mode: 0o100644 + UInt32(i % 8), nlink: 1 + UInt32(i % 3), uid: 1000 + UInt32(i % 3), gid: 100,
                    size: UInt64(i) * 4096 + 17, mtime: 1_700_000_000 + Int64(i))
            let detail: BenchDetail
            switch type {
            case .bfLnk: detail = .target("../target/" + name)
            case .bfBlk, .bfChr: detail = .rdev(discriminant: type.rawValue, [8, UInt32(i % 256)])
            default: detail = .other(discriminant: type.rawValue)
            }
            entries.append(
                BenchDirent(
                    fileid: 0x1000_0000_0000 + UInt64(i) * 7919, name: name, cookie: cookie, type: type,
                    attributes: attributes, detail: detail))
        }
        return BenchBatch(entries: entries, eof: true)
    }

    /// The fixed-size structure of the allocation benchmarks.
    public static func fixed() -> BenchFixed {
        BenchFixed(
            id: 0x0123_4567_89ab_cdef, status: -17, flag: true, type: .bfDir,
            attr: BenchAttr(mode: 0o40755, nlink: 2, uid: 1000, gid: 100, size: 4096, mtime: 1_700_000_000),
            verifier: ByteBuffer(string: "verifier"), load: 0.75)
    }

    /// A payload of `size` bytes as the C client fills it: byte i is i * 7 + 3.
    public static func payload(size: Int) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(size)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { bytes in
            for i in 0..<size { bytes[i] = UInt8(truncatingIfNeeded: i &* 7 &+ 3) }
            return size
        }
        return buffer
    }
}
