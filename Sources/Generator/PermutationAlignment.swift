import Zoo

extension UNetPermutation {
    /// `values` with its hidden channels reordered to match `reference` as closely as the
    /// network's symmetries allow (weight matching, Ainsworth et al. 2023): group by group,
    /// the assignment of channels that maximises the summed inner products of every slice the
    /// group's channels own, repeated for `rounds` sweeps. The result computes the same
    /// function as `values`; distances to `reference` after alignment measure how different
    /// two networks really are, not how their channels happen to be ordered.
    public func align(_ values: [Float], to reference: [Float], rounds: Int = 3) -> [Float] {
        apply(alignment(of: values, to: reference, rounds: rounds), to: values)
    }

    /// The permutations (one per channel group, as `apply` takes them) that align `values` to `reference`.
    public func alignment(of values: [Float], to reference: [Float], rounds: Int = 3) -> [[Int]] {
        var permutations = groups.map { Array(0..<$0.size) }
        for _ in 0..<rounds {
            var changed = false
            for (index, group) in groups.enumerated() {
                let current = apply(permutations, to: values)
                var similarity = [[Double]](repeating: [Double](repeating: 0, count: group.size), count: group.size)
                for member in group.members {
                    let entry = entries[member.name]!
                    let axisLength = entry.shape[member.axis]
                    let outer = entry.shape[..<member.axis].reduce(1, *), inner = entry.shape[(member.axis + 1)...].reduce(1, *)
                    for o in 0..<outer {
                        for i in 0..<group.size {
                            let a = entry.offset + (o * axisLength + member.offset + i) * inner
                            for j in 0..<group.size {
                                let b = entry.offset + (o * axisLength + member.offset + j) * inner
                                var dot: Float = 0
                                for k in 0..<inner { dot += reference[a + k] * current[b + k] }
                                similarity[i][j] += Double(dot)
                            }
                        }
                    }
                }
                let assignment = maximumWeightAssignment(similarity)
                if assignment != Array(0..<group.size) {
                    changed = true
                    permutations[index] = assignment.map { permutations[index][$0] }
                }
            }
            if !changed { break }
        }
        return permutations
    }
}

/// The permutation π maximising Σᵢ weights[i][π(i)] (the Hungarian algorithm on negated
/// weights, O(n³)): π(i) is the column assigned to row i.
func maximumWeightAssignment(_ weights: [[Double]]) -> [Int] {
    let n = weights.count
    guard n > 0 else { return [] }
    let cost = weights.map { $0.map { -$0 } }
    // Potentials u (rows), v (columns) and the row matched to each column, 1-based with a virtual column 0.
    var u = [Double](repeating: 0, count: n + 1), v = u
    var matchedRow = [Int](repeating: 0, count: n + 1), way = matchedRow
    for row in 1...n {
        matchedRow[0] = row
        var column = 0
        var minimum = [Double](repeating: .infinity, count: n + 1)
        var used = [Bool](repeating: false, count: n + 1)
        repeat {
            used[column] = true
            let i = matchedRow[column]
            var delta = Double.infinity, next = 0
            for j in 1...n where !used[j] {
                let reduced = cost[i - 1][j - 1] - u[i] - v[j]
                if reduced < minimum[j] {
                    minimum[j] = reduced
                    way[j] = column
                }
                if minimum[j] < delta {
                    delta = minimum[j]
                    next = j
                }
            }
            for j in 0...n {
                if used[j] {
                    u[matchedRow[j]] += delta
                    v[j] -= delta
                } else {
                    minimum[j] -= delta
                }
            }
            column = next
        } while matchedRow[column] != 0
        repeat {
            let previous = way[column]
            matchedRow[column] = matchedRow[previous]
            column = previous
        } while column != 0
    }
    var assignment = [Int](repeating: 0, count: n)
    for j in 1...n { assignment[matchedRow[j] - 1] = j - 1 }
    return assignment
}
