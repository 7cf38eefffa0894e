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

    /// Creates a descriptor.
    public init(program: UInt32, version: UInt32, procedure: UInt32, name: String) {
        self.program = program
        self.version = version
        self.procedure = procedure
        self.name = name
    }

    public var description: String { "\(name) (\(program)/\(version)/\(procedure))" }
}
