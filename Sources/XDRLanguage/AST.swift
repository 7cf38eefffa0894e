/// A value used as a size, an enum value or a case label: a literal or a constant's name.
public enum ValueExpression: Hashable, Sendable {
    /// An integer literal (decimal, hexadecimal or octal, possibly negative).
    case literal(Int64, SourceLocation)
    /// The name of a constant or enum member.
    case identifier(String, SourceLocation)

    /// Where it appears.
    public var location: SourceLocation {
        switch self {
        case .literal(_, let location), .identifier(_, let location): location
        }
    }
}

/// The type part of a declaration (RFC 4506 `type-specifier`).
public indirect enum TypeSpecifier: Hashable, Sendable {
    /// `int` (and rpcgen's `char`, `short`, `long`).
    case int
    /// `unsigned int` (and `unsigned`, `u_int`, `u_long`…).
    case unsignedInt
    /// `hyper`.
    case hyper
    /// `unsigned hyper`.
    case unsignedHyper
    /// `float`.
    case float
    /// `double`.
    case double
    /// `quadruple`.
    case quadruple
    /// `bool`.
    case bool
    /// `string` as a procedure's argument or result (rpcgen allows it there: an unbounded string).
    case string
    /// A named type (typedef, enum, struct or union).
    case named(String, SourceLocation)
    /// An enum defined inline.
    case inlineEnum(EnumBody)
    /// A struct defined inline.
    case inlineStruct(StructBody)
    /// A union defined inline.
    case inlineUnion(UnionBody)
}

/// What a declaration declares.
public enum DeclarationKind: Hashable, Sendable {
    /// `void`.
    case void
    /// `T name`.
    case plain(TypeSpecifier)
    /// `T name[size]`.
    case fixedArray(TypeSpecifier, ValueExpression)
    /// `T name<max>` (`nil`: no maximum).
    case variableArray(TypeSpecifier, ValueExpression?)
    /// `T *name`.
    case optional(TypeSpecifier)
    /// `opaque name[size]`.
    case fixedOpaque(ValueExpression)
    /// `opaque name<max>`.
    case variableOpaque(ValueExpression?)
    /// `string name<max>`.
    case string(ValueExpression?)
}

/// A declaration: a struct field, a union arm, a typedef, a discriminant.
public struct Declaration: Hashable, Sendable {
    /// The declared name (`nil` for `void`).
    public var name: String?
    /// What is declared.
    public var kind: DeclarationKind
    /// Where.
    public var location: SourceLocation
    /// The comment written just before it, if any.
    public var comment: String?

    /// Creates a declaration.
    public init(name: String?, kind: DeclarationKind, location: SourceLocation, comment: String? = nil) {
        self.name = name
        self.kind = kind
        self.location = location
        self.comment = comment
    }
}

/// The members of an enum.
public struct EnumBody: Hashable, Sendable {
    /// One member.
    public struct Member: Hashable, Sendable {
        /// Its name.
        public var name: String
        /// Its value (`nil`: one more than the previous, as rpcgen allows).
        public var value: ValueExpression?
        /// Where.
        public var location: SourceLocation
        /// Its comment.
        public var comment: String?
    }

    /// The members in order.
    public var members: [Member]
}

/// The fields of a struct.
public struct StructBody: Hashable, Sendable {
    /// The fields in order.
    public var fields: [Declaration]
}

/// The discriminant and arms of a union.
public struct UnionBody: Hashable, Sendable {
    /// One arm and the case labels that select it.
    public struct Arm: Hashable, Sendable {
        /// The labels (at least one).
        public var labels: [ValueExpression]
        /// What the arm holds.
        public var declaration: Declaration
    }

    /// The discriminant.
    public var discriminant: Declaration
    /// The arms in order.
    public var arms: [Arm]
    /// The `default:` arm, if any.
    public var defaultArm: Declaration?
}

/// One procedure of a program version.
public struct Procedure: Hashable, Sendable {
    /// Its name.
    public var name: String
    /// Its number.
    public var number: ValueExpression
    /// Its argument types (empty for `void`; several with rpcgen -N).
    public var arguments: [TypeSpecifier]
    /// The names the `.x` gives its arguments (`RES PROC(args_t batch) = 1;`, as rpcgen -N
    /// takes), one per argument, `nil` where it gives none.
    public var argumentNames: [String?] = []
    /// Its result type (`nil` for `void`).
    public var result: TypeSpecifier?
    /// Where.
    public var location: SourceLocation
    /// Its comment.
    public var comment: String?
}

/// One version of a program.
public struct ProgramVersion: Hashable, Sendable {
    /// Its name.
    public var name: String
    /// Its number.
    public var number: ValueExpression
    /// Its procedures.
    public var procedures: [Procedure]
    /// Where.
    public var location: SourceLocation
    /// Its comment.
    public var comment: String?
}

/// A top-level definition of a `.x` file.
public enum Definition: Hashable, Sendable {
    /// `const NAME = value;`
    case constant(name: String, value: ValueExpression, location: SourceLocation, comment: String?)
    /// `const NAME = "text";` (rpcgen passes it to C as a string macro).
    case stringConstant(name: String, value: String, location: SourceLocation, comment: String?)
    /// `typedef declaration;`
    case typedef(Declaration)
    /// `enum name { … };`
    case enumeration(name: String, body: EnumBody, location: SourceLocation, comment: String?)
    /// `struct name { … };`
    case structure(name: String, body: StructBody, location: SourceLocation, comment: String?)
    /// `union name switch (…) { … };`
    case union(name: String, body: UnionBody, location: SourceLocation, comment: String?)
    /// `program NAME { version … } = number;`
    case program(
        name: String, number: ValueExpression, versions: [ProgramVersion], location: SourceLocation, comment: String?)

    /// The defined name.
    public var name: String {
        switch self {
        case .constant(let name, _, _, _), .stringConstant(let name, _, _, _), .enumeration(let name, _, _, _),
            .structure(let name, _, _, _),
            .union(let name, _, _, _), .program(let name, _, _, _, _):
            name
        case .typedef(let declaration):
            declaration.name ?? ""
        }
    }

    /// Where it is defined.
    public var location: SourceLocation {
        switch self {
        case .constant(_, _, let location, _), .stringConstant(_, _, let location, _),
            .enumeration(_, _, let location, _),
            .structure(_, _, let location, _),
            .union(_, _, let location, _), .program(_, _, _, let location, _):
            location
        case .typedef(let declaration):
            declaration.location
        }
    }
}

/// A parsed `.x` file (with its `#include`d files' definitions in place).
public struct Specification: Hashable, Sendable {
    /// The definitions in source order.
    public var definitions: [Definition]
    /// Integer literals written other than in decimal (`0x20000099`), by where they are, so
    /// that generated code can write them the same way.
    public var literalSpellings: [SourceLocation: String] = [:]

    /// A specification of `definitions`.
    public init(definitions: [Definition], literalSpellings: [SourceLocation: String] = [:]) {
        self.definitions = definitions
        self.literalSpellings = literalSpellings
    }
}
