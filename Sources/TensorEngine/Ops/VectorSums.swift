/// Fast, accurate sums for the normalisation and bias kernels: Float SIMD lanes within
/// blocks of 512 elements (vectorised, no FMA needed), blocks added in Double.

private let block = 512

/// Σ p[i].
@inline(__always)
func vectorSum(_ p: UnsafePointer<Float>, _ count: Int) -> Double {
    blockwise(count) { start, end in
        var lanes = SIMD8<Float>(), i = start
        while i + 8 <= end { lanes += UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self); i += 8 }
        var total = lanes.sum()
        while i < end { total += p[i]; i += 1 }
        return total
    }
}

/// Σ (p[i] − mean)².
@inline(__always)
func vectorSquaredDeviation(_ p: UnsafePointer<Float>, _ count: Int, mean: Float) -> Double {
    blockwise(count) { start, end in
        var lanes = SIMD8<Float>(), i = start
        let m = SIMD8<Float>(repeating: mean)
        while i + 8 <= end {
            let d = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self) - m
            lanes += d * d
            i += 8
        }
        var total = lanes.sum()
        while i < end { let d = p[i] - mean; total += d * d; i += 1 }
        return total
    }
}

/// Σ a[i]·b[i].
@inline(__always)
func vectorDot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Double {
    blockwise(count) { start, end in
        var lanes = SIMD8<Float>(), i = start
        while i + 8 <= end {
            lanes += UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
                * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var total = lanes.sum()
        while i < end { total += a[i] * b[i]; i += 1 }
        return total
    }
}

@inline(__always)
private func blockwise(_ count: Int, _ partial: (Int, Int) -> Float) -> Double {
    var total = 0.0, start = 0
    while start < count {
        let end = min(count, start + block)
        total += Double(partial(start, end))
        start = end
    }
    return total
}
