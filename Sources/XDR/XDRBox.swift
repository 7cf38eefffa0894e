/// A value type that holds boxes of its own type (a linked list such as `struct entry { …;
/// entry *next; }`): it can hand them over so that a long chain is released one link at a time
/// instead of by recursion.
public protocol XDRLinkable: Sendable {
    /// Moves out (and clears) the boxes of its own type this value holds.
    mutating func xdrDetachLinks() -> [XDRBox<Self>]
}

/// The indirection a recursive XDR type needs in Swift: generated code stores `T *next` of a
/// recursive `T` as an `XDRBox<T>?`. Releasing a chain of 100,000 boxes is iterative.
public final class XDRBox<Value: XDRLinkable>: @unchecked Sendable {
    /// The boxed value (changed only in `deinit`, when no other reference exists).
    public private(set) var value: Value

    /// Boxes `value`.
    public init(_ value: Value) {
        self.value = value
    }

    deinit {
        var pending = value.xdrDetachLinks()
        while var box = pending.popLast() {
            if isKnownUniquelyReferenced(&box) {
                pending.append(contentsOf: box.value.xdrDetachLinks())
            }
        }
    }
}

extension XDRBox: Equatable where Value: Equatable {
    /// Two boxes are equal when their values are.
    public static func == (lhs: XDRBox, rhs: XDRBox) -> Bool {
        lhs === rhs || lhs.value == rhs.value
    }
}

extension XDRBox: Hashable where Value: Hashable {
    /// Hashes the boxed value.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(value)
    }
}
