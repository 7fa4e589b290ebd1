/// Why masks could not be compared.
public enum MetricsError: Error, CustomStringConvertible, Equatable {
    /// A shape or spacing is unusable.
    case invalidGeometry(String)
    /// The prediction and reference of a case differ in size, or do not fill the grid.
    case sizeMismatch(case: String, prediction: Int, reference: Int, expected: Int)
    /// Nothing to evaluate, or cases that cannot be summarised together.
    case invalidRequest(String)

    public var description: String {
        switch self {
        case .invalidGeometry(let message): return "invalid grid: \(message)"
        case .sizeMismatch(let identifier, let prediction, let reference, let expected):
            return "case \(identifier): prediction has \(prediction) voxels and reference \(reference), "
                + "but the grid holds \(expected)"
        case .invalidRequest(let message): return message
        }
    }
}
