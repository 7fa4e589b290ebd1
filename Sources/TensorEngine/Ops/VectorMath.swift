/// exp and erf written as straight-line Float arithmetic, so loops over them vectorise; libm's
/// `expf` and `erff` are calls per element. Used where transformer steps spend their time:
/// softmax rows and GELU.

/// eˣ within 2 ulp (Cephes' single-precision range reduction and polynomial); 0 below −87.3,
/// clamped to e^88.37 above; NaN stays NaN.
@inline(__always)
func vectorExp(_ x: Float) -> Float {
    let clamped = min(max(x, -87.3), 88.37)
    // Round x·log₂e to the nearest integer n by adding 1.5·2²³: n lands in the low mantissa bits.
    let shifted = clamped * 1.442_695_04 + 12_582_912
    let n = shifted - 12_582_912
    let r = clamped - n * 0.693_359_375 + n * 2.121_944_4e-4
    var p: Float = 1.987_569_15e-4
    p = p * r + 1.398_199_95e-3
    p = p * r + 8.333_451_9e-3
    p = p * r + 4.166_579_6e-2
    p = p * r + 0.166_666_65
    p = p * r + 0.5
    let e = p * r * r + r + 1
    let exponent = Int32(bitPattern: shifted.bitPattern) &- 0x4B40_0000
    let scale = Float(bitPattern: UInt32(bitPattern: (exponent &+ 127) &<< 23))
    return x.isNaN ? x : x < -87.3 ? 0 : e * scale
}

/// erf(x) within 5·10⁻⁷ absolute (Abramowitz & Stegun 7.1.26: 1.5·10⁻⁷, plus Float rounding).
@inline(__always)
func vectorErf(_ x: Float) -> Float {
    let a = abs(x)
    let t = 1 / (1 + 0.327_591_1 * a)
    var p: Float = 1.061_405_429
    p = p * t - 1.453_152_027
    p = p * t + 1.421_413_741
    p = p * t - 0.284_496_736
    p = p * t + 0.254_829_592
    let magnitude = 1 - p * t * vectorExp(-a * a)
    return x < 0 ? -magnitude : magnitude
}
