import Foundation
#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// The BLAS library behind every matrix product, as it describes itself. Float results of a
/// product depend on the kernel the library picked for this CPU (OpenBLAS picks at run time,
/// and `OPENBLAS_CORETYPE` can force another), so bug reports and the kernel test matrix name it.
public enum BLASLibrary {
    /// The library and its build, e.g. `OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64`.
    public static var configuration: String {
        #if canImport(Accelerate)
        return "Accelerate"
        #else
        return String(cString: openblas_get_config()).trimmingCharacters(in: .whitespaces)
        #endif
    }

    /// The kernel family in use, e.g. `Haswell`, `SkylakeX`, `Sandybridge`; nil where the library does not say.
    public static var kernel: String? {
        #if canImport(Accelerate)
        return nil
        #else
        return String(cString: openblas_get_corename())
        #endif
    }

    /// One line for logs: the library, and the kernel where known.
    public static var summary: String {
        kernel.map { "\(configuration); kernel \($0)" } ?? configuration
    }
}
