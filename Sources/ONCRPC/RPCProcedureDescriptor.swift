/// Names one remote procedure: program, version and procedure numbers, with the Swift types of
/// its arguments and result. Generated code declares one per procedure.
public struct RPCProcedureDescriptor<Arguments, Result>: Sendable, Hashable, CustomStringConvertible {
    /// The program number.
    public let program: UInt32
    /// The version number.
    public let version: UInt32
    /// The procedure number.
    public let procedure: UInt32
    /// The procedure's name, for logs and errors.
    public let name: String
    /// The most bytes the procedure's arguments take on the wire, when the `.x` bounds them
    /// (see ``XDR/XDRBoundedEncodable``); `nil` when they have no largest size.
    public let maximumArgumentsSize: Int?
    /// The most bytes the procedure's result takes on the wire, when the `.x` bounds it; `nil`
    /// when it has no largest size.
    public let maximumResultSize: Int?

    /// Creates a descriptor; swift-rpcgen passes the largest sizes it worked out from the `.x`.
    public init(
        program: UInt32, version: UInt32, procedure: UInt32, name: String,
        maximumArgumentsSize: Int? = nil, maximumResultSize: Int? = nil
    ) {
        self.program = program
        self.version = version
        self.procedure = procedure
        self.name = name
        self.maximumArgumentsSize = maximumArgumentsSize
        self.maximumResultSize = maximumResultSize
    }

    public var description: String { "\(name) (\(program)/\(version)/\(procedure))" }
}
