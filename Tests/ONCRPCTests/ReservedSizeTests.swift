import NIOCore
import Testing
import XDR

@testable import ONCRPC

/// Calls and replies are sized once from the largest encodings the `.x` gives their arguments
/// and results (`maximumArgumentsSize`, `maximumResultSize`).
@Suite("Buffers sized from maximum encoded sizes")
struct ReservedSizeTests {
    @Test func aCallReservesItsHeaderCredentialsAndLargestArguments() {
        let none = RPCOpaqueAuth(flavor: .none, body: ByteBuffer())
        // 4 (record mark) + 24 (call header) + 8 + 8 (two empty auths) + 16.
        #expect(RPCClient.callCapacity(credentials: none, verifier: none, maximumArgumentsSize: 16) == 60)
        // An AUTH_SYS body of 37 bytes is padded to 40.
        let sys = RPCOpaqueAuth(flavor: .sys, body: ByteBuffer(repeating: 1, count: 37))
        #expect(RPCClient.callCapacity(credentials: sys, verifier: none, maximumArgumentsSize: 0) == 4 + 24 + 48 + 8)
        // Unknown, or too large to hold per call: the default start.
        #expect(RPCClient.callCapacity(credentials: none, verifier: none, maximumArgumentsSize: nil) == 256)
        #expect(RPCClient.callCapacity(credentials: none, verifier: none, maximumArgumentsSize: 1 << 20) == 256)
    }

    @Test func aReplyReservesItsHeaderAndLargestResult() {
        #expect(RPCDispatcher.replyCapacity(maximumResultSize: 4) == 4 + 24 + 4)
        #expect(RPCDispatcher.replyCapacity(maximumResultSize: nil) == 128)
        #expect(RPCDispatcher.replyCapacity(maximumResultSize: 1 << 20) == 128)
    }

    @Test func methodsOfBoundedResultsKnowTheirSize() {
        let bounded = RPCMethod(procedure: 1, name: "P", arguments: XDRVoid.self, result: UInt64.self) { _, _ in 7 }
        #expect(bounded.maximumResultSize == 8)
        let unbounded = RPCMethod(procedure: 2, name: "Q", arguments: XDRVoid.self, result: String.self) { _, _ in "" }
        #expect(unbounded.maximumResultSize == nil)
    }

    @Test func aDescriptorCarriesItsSizes() {
        let descriptor = RPCProcedureDescriptor<UInt32, Bool>(
            program: 1, version: 1, procedure: 1, name: "P", maximumArgumentsSize: 4, maximumResultSize: 4)
        #expect(descriptor.maximumArgumentsSize == 4)
        #expect(descriptor.maximumResultSize == 4)
        #expect(RPCProcedureDescriptor<UInt32, Bool>(program: 1, version: 1, procedure: 1, name: "P").maximumArgumentsSize == nil)
    }
}
