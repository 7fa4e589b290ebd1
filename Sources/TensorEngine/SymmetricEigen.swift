#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// The eigenvalues and eigenvectors of a symmetric matrix, by LAPACK's `dsyev` (OpenBLAS on
/// Linux, Accelerate on macOS).
public struct SymmetricEigen: Sendable {
    /// Ascending.
    public let values: [Double]
    /// Row-major n × n: column k is the unit eigenvector of `values[k]`.
    public let vectors: [Double]

    /// The decomposition of the n × n symmetric `matrix` (row-major; only its upper triangle
    /// is read). Throws where LAPACK reports no convergence or a malformed argument.
    public init(_ matrix: [Double], size n: Int) throws {
        guard n > 0, matrix.count == n * n else {
            throw TensorError.invalidArgument(op: "symmetric eigendecomposition", reason: "size \(n) needs \(n * n) values, not \(matrix.count)")
        }
        // Row-major upper is column-major lower: LAPACK reads the same triangle as "L".
        var a = matrix, w = [Double](repeating: 0, count: n)
        var size = Int32(n), info: Int32 = 0, query = -1 as Int32, optimal = 0.0
        Self.dsyev(&a, &w, &size, &optimal, &query, &info)
        var lwork = Int32(max(1, Int(optimal))), work = [Double](repeating: 0, count: Int(lwork))
        Self.dsyev(&a, &w, &size, &work, &lwork, &info)
        guard info == 0 else { throw TensorError.invalidArgument(op: "symmetric eigendecomposition", reason: "LAPACK dsyev failed with info \(info) on a \(n) × \(n) matrix") }
        values = w
        // LAPACK leaves eigenvector k in column k of its column-major result.
        vectors = (0..<(n * n)).map { a[($0 % n) * n + $0 / n] }
    }

    private static func dsyev(_ a: inout [Double], _ w: inout [Double], _ n: inout Int32, _ work: UnsafeMutablePointer<Double>,
                              _ lwork: inout Int32, _ info: inout Int32) {
        var jobz = CChar(UInt8(ascii: "V")), uplo = CChar(UInt8(ascii: "L")), lda = n
        #if canImport(Accelerate)
        dsyev_(&jobz, &uplo, &n, &a, &lda, &w, work, &lwork, &info)
        #else
        dsyev_(&jobz, &uplo, &n, &a, &lda, &w, work, &lwork, &info, 1, 1)
        #endif
    }
}
