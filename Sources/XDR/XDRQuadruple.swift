/// An XDR `quadruple`: an IEEE 754 binary128 value kept as its exact 16 bytes.
///
/// Swift on Linux has no 128-bit float, so the bits travel untouched; ``init(_:)`` converts a
/// `Double` exactly and ``doubleValue`` rounds back to the nearest `Double`.
public struct XDRQuadruple: XDRCodable, Sendable, Hashable, CustomStringConvertible {
    /// Sign bit, 15-bit exponent and the top 48 bits of the fraction (the first 8 bytes on the wire).
    public var highBits: UInt64
    /// The low 64 bits of the fraction (the last 8 bytes on the wire).
    public var lowBits: UInt64

    /// Creates a value from its two 64-bit halves.
    @inlinable
    public init(highBits: UInt64, lowBits: UInt64) {
        self.highBits = highBits
        self.lowBits = lowBits
    }

    /// Creates the binary128 value equal to `value` (every `Double` is exactly representable).
    public init(_ value: Double) {
        let bits = value.bitPattern
        let sign = bits & (1 << 63)
        let exponent = Int((bits >> 52) & 0x7FF)
        var fraction = bits & ((1 << 52) - 1)
        var quadExponent: UInt64
        switch exponent {
        case 0x7FF:
            quadExponent = 0x7FFF
        case 0 where fraction == 0:
            quadExponent = 0
        case 0:
            // Subnormal double: normalise, since binary128 has the range to hold it.
            let shift = fraction.leadingZeroBitCount - 11
            fraction = (fraction << UInt64(shift)) & ((1 << 52) - 1)
            quadExponent = UInt64(-1022 - shift + 16383)
        default:
            quadExponent = UInt64(exponent - 1023 + 16383)
        }
        self.highBits = sign | (quadExponent << 48) | (fraction >> 4)
        self.lowBits = (fraction & 0xF) << 60
    }

    /// The nearest `Double` (ties to even; infinities, zeros and the sign kept, NaN stays NaN).
    public var doubleValue: Double {
        let negative = highBits >> 63 == 1
        let exponent = Int((highBits >> 48) & 0x7FFF)
        let highFraction = highBits & ((1 << 48) - 1)
        if exponent == 0x7FFF {
            if highFraction == 0 && lowBits == 0 {
                return negative ? -.infinity : .infinity
            }
            let payload = (highFraction << 4) | (lowBits >> 60)
            let nan = Double(bitPattern: 0x7FF8_0000_0000_0000 | payload)
            return negative ? -nan : nan
        }
        if exponent == 0 && highFraction == 0 && lowBits == 0 {
            return negative ? -0.0 : 0.0
        }
        // 113-bit significand (implicit bit only for normal numbers), rounded to 53 bits.
        let implicit: UInt64 = exponent == 0 ? 0 : 1 << 48
        var significand = ((implicit | highFraction) << 4) | (lowBits >> 60)
        let rest = lowBits & ((1 << 60) - 1)
        let half: UInt64 = 1 << 59
        if rest > half || (rest == half && significand & 1 == 1) {
            significand += 1
        }
        let unbiased = (exponent == 0 ? 1 : exponent) - 16383
        let magnitude = Double(
            sign: .plus,
            exponent: unbiased - 52,
            significand: Double(significand)
        )
        return negative ? -magnitude : magnitude
    }

    /// Reads the 16 bytes of an XDR `quadruple`.
    @inlinable
    public init(from reader: inout XDRReader) throws {
        self = try reader.readQuadruple()
    }

    /// Writes the 16 bytes of an XDR `quadruple`.
    @inlinable
    public func encode(to writer: inout XDRWriter) throws {
        writer.writeQuadruple(self)
    }

    public var description: String {
        "XDRQuadruple(\(doubleValue))"
    }
}
