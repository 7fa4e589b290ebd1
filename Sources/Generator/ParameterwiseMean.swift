/// The parameter-wise mean of equally long parameter vectors, summed in double precision (the
/// vector itself, bit for bit, where there is one): what averaged networks, generations, reruns
/// and the memories of forks all are.
func parameterwiseMean(_ vectors: [[Float]]) -> [Float] {
    guard vectors.count > 1 else { return vectors[0] }
    return vectors[0].indices.map { i in Float(vectors.reduce(0.0) { $0 + Double($1[i]) } / Double(vectors.count)) }
}
