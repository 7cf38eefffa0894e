// Fuzzes the decoding of RPC messages (RFC 5531 rpc_msg): the call and reply headers, the
// AUTH_SYS credentials inside a call, and the duplicate-request cache's key of a call. Whatever
// decodes (strictly) must encode back to the bytes it was read from; whatever does not must fail
// with an XDRDecodingError.
import FuzzSupport
import NIOCore
import ONCRPC
import XDR

/// One input: returns 0, or traps.
func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = ByteBuffer(bytes: UnsafeBufferPointer(start: data, count: size))
    _ = RPCDuplicateRequestCache.Key(call: input, peer: "192.0.2.1:700")
    var reader = XDRReader(buffer: input, options: .strict)
    let header: RPCMessageHeader
    do {
        header = try RPCMessageHeader.decode(from: &reader)
    } catch is XDRDecodingError {
        return 0
    } catch {
        fatalError("decoding a message threw something other than an XDRDecodingError: \(error)")
    }
    let read = input.getSlice(at: input.readerIndex, length: input.readableBytes - reader.remainingBytes)!
    switch header {
    case .call(let call):
        expectSameBytes("call header", read: read) { try call.encode(to: &$0) }
        if call.credentials.flavor == .sys {
            var credentials = XDRReader(buffer: call.credentials.body, options: .strict)
            if let parameters = try? AuthSysParameters(from: &credentials) {
                let body = call.credentials.body
                expectSameBytes(
                    "AUTH_SYS credentials",
                    read: body.getSlice(at: body.readerIndex, length: body.readableBytes - credentials.remainingBytes)!
                ) { try parameters.encode(to: &$0) }
            }
        }
    case .reply(let reply):
        expectSameBytes("reply header", read: read) { try reply.encode(to: &$0) }
    }
    return 0
}
