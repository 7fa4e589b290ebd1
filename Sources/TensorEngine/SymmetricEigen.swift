#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// The eigenvalues and eigenvectors of a symmetric matrix, by LAPACK's divide-and-conquer
/// `dsyevd` (OpenBLAS on Linux, Accelerate on macOS), as `torch.linalg.eigh` computes them.
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
        var size = Int32(n), info: Int32 = 0, optimal = 0.0, optimalIntegers: Int32 = 0
        var query = -1 as Int32, integerQuery = -1 as Int32
        Self.dsyevd(&a, &w, &size, &optimal, &query, &optimalIntegers, &integerQuery, &info)
        var lwork = Int32(max(1, Int(optimal))), work = [Double](repeating: 0, count: Int(lwork))
        var liwork = max(1, optimalIntegers), iwork = [Int32](repeating: 0, count: Int(liwork))
        Self.dsyevd(&a, &w, &size, &work, &lwork, &iwork, &liwork, &info)
        guard info == 0 else { throw TensorError.invalidArgument(op: "symmetric eigendecomposition", reason: "LAPACK dsyevd failed with info \(info) on a \(n) × \(n) matrix") }
        values = w
        // LAPACK leaves eigenvector k in column k of its column-major result.
        vectors = (0..<(n * n)).map { a[($0 % n) * n + $0 / n] }
    }

    /// One `dsyevd` call; lwork and liwork −1 ask for the workspaces' sizes in `work[0]` and `iwork[0]`.
    private static func dsyevd(_ a: inout [Double], _ w: inout [Double], _ n: inout Int32, _ work: UnsafeMutablePointer<Double>,
                               _ lwork: inout Int32, _ iwork: UnsafeMutablePointer<Int32>, _ liwork: inout Int32, _ info: inout Int32) {
        var jobz = CChar(UInt8(ascii: "V")), uplo = CChar(UInt8(ascii: "L")), lda = n
        #if canImport(Accelerate)
        dsyevd_(&jobz, &uplo, &n, &a, &lda, &w, work, &lwork, iwork, &liwork, &info)
        #else
        dsyevd_(&jobz, &uplo, &n, &a, &lda, &w, work, &lwork, iwork, &liwork, &info, 1, 1)
        #endif
    }
}
