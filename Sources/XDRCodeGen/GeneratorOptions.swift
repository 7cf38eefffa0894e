/// How swift-rpcgen writes Swift.
public struct GeneratorOptions: Hashable, Sendable {
    /// The access level of generated declarations.
    public enum AccessLevel: String, Hashable, Sendable, CaseIterable {
        /// `public` declarations (imports are `public import`).
        case `public`
        /// `package` declarations.
        case package
        /// `internal` declarations (no modifier).
        case `internal`
    }

    /// How `.x` names become Swift names.
    public enum Naming: String, Hashable, Sendable, CaseIterable {
        /// UpperCamelCase types, lowerCamelCase members (`nfs_fh3` -> `NfsFh3`, `ex_dir` -> `exDir`).
        case idiomatic
        /// The names exactly as in the `.x` file (Swift keywords escaped).
        case verbatim
    }

    /// What to generate.
    public struct Parts: OptionSet, Hashable, Sendable {
        /// The bits of the set.
        public let rawValue: Int
        /// Creates a set from its bits.
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// Constants, enums, structs, unions and typedefs.
        public static let types = Parts(rawValue: 1)
        /// Procedure descriptors and a `Client` per program version.
        public static let client = Parts(rawValue: 2)
        /// A `ServiceProtocol` per program version, with its registration.
        public static let server = Parts(rawValue: 4)
        /// Everything.
        public static let all: Parts = [.types, .client, .server]
    }

    /// The access level (default `public`).
    public var accessLevel: AccessLevel
    /// The naming mode (default idiomatic).
    public var naming: Naming
    /// What to generate (default everything).
    public var parts: Parts
    /// Swift names for particular `.x` names, overriding the naming mode.
    public var nameOverrides: [String: String]
    /// Swift modules the generated file imports because it uses types already generated there
    /// (swift-rpcgen `--use-module MODULE=file.x`), in order.
    public var importedModules: [String] = []
    /// `.x` union types that procedures return as streams (swift-rpcgen `--stream TYPE`): a
    /// union switched on `bool` whose `TRUE` arm holds an element and whose `FALSE` arm is
    /// void, repeated until `FALSE` (NIS `ypresp_all`). A procedure returning one returns (and
    /// a server's handler gives) every element, as an array.
    public var streamedTypes: Set<String> = []

    /// Creates options.
    public init(
        accessLevel: AccessLevel = .public,
        naming: Naming = .idiomatic,
        parts: Parts = .all,
        nameOverrides: [String: String] = [:]
    ) {
        self.accessLevel = accessLevel
        self.naming = naming
        self.parts = parts
        self.nameOverrides = nameOverrides
    }
}
