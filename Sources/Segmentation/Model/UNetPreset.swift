/// Named U-Net sizes for training from scratch.
public enum UNetPreset: String, CaseIterable, Codable, Sendable {
    /// 3 stages, features 4, 8, 16: the checkpoint zoo's workhorse (≈ 12k parameters in 2D).
    case tiny
    /// 4 stages, features 8, 16, 32, 64 (as the shared nnU-Net fixture, ≈ 170k parameters in 2D).
    case small
    /// 5 stages, features 16 … 256.
    case medium

    /// Features per encoder stage.
    public var features: [Int] {
        switch self {
        case .tiny: return [4, 8, 16]
        case .small: return [8, 16, 32, 64]
        case .medium: return [16, 32, 64, 128, 256]
        }
    }

    /// The architecture for `spatialRank` 2 or 3 with `numClasses` outputs.
    public func configuration(spatialRank: Int, inputChannels: Int = 1, numClasses: Int = 2) -> PlainConvUNetConfiguration {
        .standard(features: features, spatialRank: spatialRank, inputChannels: inputChannels, numClasses: numClasses)
    }
}
