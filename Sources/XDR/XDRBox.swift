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
    // Mutated only in `deinit`, when no other reference exists.
    private var storage: Value

    /// The boxed value.
    @inlinable
    public var value: Value { _read { yield storageValue } }

    @usableFromInline
    var storageValue: Value { storage }

    /// Boxes `value`.
    public init(_ value: Value) {
        self.storage = value
    }

    deinit {
        var pending = storage.xdrDetachLinks()
        while var box = pending.popLast() {
            if isKnownUniquelyReferenced(&box) {
                pending.append(contentsOf: box.storage.xdrDetachLinks())
            }
        }
    }
}

extension XDRBox: Equatable where Value: Equatable {
    public static func == (lhs: XDRBox, rhs: XDRBox) -> Bool {
        lhs === rhs || lhs.value == rhs.value
    }
}

extension XDRBox: Hashable where Value: Hashable {
    public func hash(into hasher: inout Hasher) {
        hasher.combine(value)
    }
}
