/// Limits and strictness for decoding XDR from an untrusted peer.
///
/// These are the limits on hostile input, in one place. Servers decode arguments with them
/// (`RPCServer`'s and `RPCDispatcher`'s `decodingOptions`), and clients decode results with them
/// (`RPCClient.decodingOptions`, `withRPCClient(transport:defaultOptions:decodingOptions:_:)`),
/// generated stubs included. Every length and count read is checked against its declared bound
/// and the bytes left before anything is allocated; linked lists are decoded iteratively, each
/// node charged to ``maximumAllocation``. The record limits sit in the transports: 4 MiB by
/// default on both sides (`TCPServerTransport.Configuration.maximumRecordSize`,
/// `TCPClientTransport.Configuration.maximumRecordSize`, and per call
/// `RPCCallOptions.maximumReplySize`), and verifiers and credentials hold at most 400 bytes.
public struct XDRDecodingOptions: Sendable, Hashable {
    /// Reject padding bytes that are not zero. RFC 4506 says they are zero; most decoders
    /// (libtirpc among them) do not check, so the default is lenient.
    public var strictPadding: Bool
    /// Reject a `bool` (or an optional-data flag) other than 0 or 1. When `false`, any
    /// non-zero value reads as `true`, as libtirpc does.
    public var strictBool: Bool
    /// How deeply optional data (`T *`) and arrays may nest while decoding recursively.
    public var maximumDepth: Int
    /// How many bytes, in all, a single decode may allocate for strings, arrays and copied
    /// opaque data. Opaque data decoded as a `ByteBuffer` slice costs nothing.
    public var maximumAllocation: Int
    /// Reject a message whose value ends before its bytes do (a call's arguments or a reply's
    /// results with bytes left unread: a peer speaking another version of the protocol, or a
    /// result the generated code reads only part of). When `false`, the bytes left are
    /// ignored; an `RPCClient` logs them at debug level (logger `oncrpc.client`).
    public var rejectsTrailingBytes: Bool

    /// Creates decoding options; the defaults suit data from an untrusted network peer.
    public init(
        strictPadding: Bool = false,
        strictBool: Bool = true,
        maximumDepth: Int = 256,
        maximumAllocation: Int = 64 << 20,
        rejectsTrailingBytes: Bool = false
    ) {
        self.strictPadding = strictPadding
        self.strictBool = strictBool
        self.maximumDepth = maximumDepth
        self.maximumAllocation = maximumAllocation
        self.rejectsTrailingBytes = rejectsTrailingBytes
    }

    /// The default options: lenient padding, strict bool, depth 256, 64 MiB of allocations.
    public static let `default` = XDRDecodingOptions()

    /// Options that reject anything RFC 4506 does not allow (non-zero padding, bools other
    /// than 0 and 1) and messages with bytes left after their value.
    public static let strict = XDRDecodingOptions(strictPadding: true, strictBool: true, rejectsTrailingBytes: true)
}
