/// One generated phantom image with its masks for every task.
public struct PhantomCase: Equatable, Sendable {
    /// The case number within its dataset.
    public var index: Int
    /// Columns (x, left–right).
    public var width: Int
    /// Rows (y, posterior → anterior: the vertebral body lies towards larger y).
    public var height: Int
    /// Voxel size in millimetres along x and y.
    public var spacing: [Double]
    /// The weighting of this image.
    public var contrast: PhantomContrast
    /// Whether lesions were placed in the cord (their mask may still be empty if all are sub-voxel).
    public var hasLesions: Bool
    /// Intensities, row-major `[height, width]` (x fastest), finite and non-negative.
    public var image: [Float]
    /// Binary masks (0/1) per task, same layout as `image`.
    public var labels: [PhantomTask: [UInt8]]

    /// The mask of `task`.
    public func label(_ task: PhantomTask) -> [UInt8] { labels[task]! }

    /// Slice thickness recorded in written volumes, in millimetres.
    public static let sliceThickness = 3.0
}
