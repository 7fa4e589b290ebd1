/// A binary segmentation task of the spinal-cord phantom; each is written as its own nnU-Net dataset.
public enum PhantomTask: String, CaseIterable, Codable, Sendable {
    /// The spinal cord, lesions included.
    case cord
    /// The spinal canal: the cord and the CSF around it.
    case canal
    /// Lesions inside the cord (empty in cases without lesions).
    case lesion

    /// The nnU-Net dataset number: 101, 102, 103.
    public var datasetNumber: Int {
        switch self {
        case .cord: return 101
        case .canal: return 102
        case .lesion: return 103
        }
    }

    /// The dataset's `name` in `dataset.json`, e.g. `PhantomCord`.
    public var datasetTitle: String { "Phantom" + rawValue.prefix(1).uppercased() + rawValue.dropFirst() }

    /// The nnU-Net dataset folder name, e.g. `Dataset101_PhantomCord`.
    public var datasetName: String { "Dataset\(datasetNumber)_\(datasetTitle)" }
}

/// The MRI weighting of a phantom image.
public enum PhantomContrast: String, CaseIterable, Codable, Sendable {
    /// T1-like: CSF dark, cord brighter, lesions slightly darker than the cord; low cord–CSF contrast.
    case t1
    /// T2-like: CSF bright, cord dark grey, lesions bright.
    case t2
}

/// Which weightings a phantom dataset draws its cases from.
public enum PhantomContrastMode: String, CaseIterable, Codable, Sendable {
    /// Every case T1-like.
    case t1
    /// Every case T2-like.
    case t2
    /// Each case T1-like with probability `PhantomContrastMode.mixedT1Probability`, T2-like otherwise.
    case mixed

    /// The share of T1-like cases in a mixed dataset.
    public static let mixedT1Probability = 1.0 / 3.0

    /// The name of the image channel in `dataset.json`: `T1`, `T2` or `MRI`.
    public var channelName: String {
        switch self {
        case .t1: return "T1"
        case .t2: return "T2"
        case .mixed: return "MRI"
        }
    }
}
