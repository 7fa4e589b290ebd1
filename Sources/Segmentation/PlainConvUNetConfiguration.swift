/// The architecture of nnU-Net's `PlainConvUNet` (dynamic-network-architectures), with the
/// fields of a plans file's `arch_kwargs`.
public struct PlainConvUNetConfiguration: Codable, Equatable, Sendable {
    public var inputChannels: Int
    public var featuresPerStage: [Int]
    /// Kernel size per stage, 2 or 3 entries each (2D or 3D).
    public var kernelSizes: [[Int]]
    /// Downsampling stride per stage; stage 0 is all ones.
    public var strides: [[Int]]
    public var convsPerStage: [Int]
    public var convsPerStageDecoder: [Int]
    public var numClasses: Int
    public var convBias: Bool
    public var normEps: Float
    public var negativeSlope: Float
    public var deepSupervision: Bool

    public init(inputChannels: Int = 1, featuresPerStage: [Int], kernelSizes: [[Int]], strides: [[Int]],
                convsPerStage: [Int], convsPerStageDecoder: [Int], numClasses: Int, convBias: Bool = true,
                normEps: Float = 1e-5, negativeSlope: Float = 0.01, deepSupervision: Bool = false) {
        self.inputChannels = inputChannels
        self.featuresPerStage = featuresPerStage
        self.kernelSizes = kernelSizes
        self.strides = strides
        self.convsPerStage = convsPerStage
        self.convsPerStageDecoder = convsPerStageDecoder
        self.numClasses = numClasses
        self.convBias = convBias
        self.normEps = normEps
        self.negativeSlope = negativeSlope
        self.deepSupervision = deepSupervision
    }

    /// Number of encoder stages.
    public var stageCount: Int { featuresPerStage.count }
    /// 2 or 3.
    public var spatialRank: Int { kernelSizes.first?.count ?? 2 }

    /// Checks that the per-stage lists agree in length and dimensionality.
    public func validate() throws {
        let n = stageCount
        guard n >= 1, kernelSizes.count == n, strides.count == n, convsPerStage.count == n,
              convsPerStageDecoder.count == n - 1 else {
            throw UNetConfigurationError.inconsistent("per-stage lists must have \(n) entries (decoder \(n - 1))")
        }
        guard spatialRank == 2 || spatialRank == 3,
              (kernelSizes + strides).allSatisfy({ $0.count == spatialRank }) else {
            throw UNetConfigurationError.inconsistent("kernel sizes and strides must all have 2 or all have 3 entries")
        }
        guard numClasses >= 1, inputChannels >= 1, featuresPerStage.allSatisfy({ $0 >= 1 }) else {
            throw UNetConfigurationError.inconsistent("channel counts must be positive")
        }
    }

    /// A square-kernel U-Net with stride-2 downsampling after stage 0 and two convs per stage.
    public static func standard(features: [Int], spatialRank: Int, inputChannels: Int = 1, numClasses: Int = 2,
                                deepSupervision: Bool = false) -> PlainConvUNetConfiguration {
        let ones = [Int](repeating: 1, count: spatialRank), twos = [Int](repeating: 2, count: spatialRank)
        return PlainConvUNetConfiguration(
            inputChannels: inputChannels, featuresPerStage: features,
            kernelSizes: features.map { _ in [Int](repeating: 3, count: spatialRank) },
            strides: features.indices.map { $0 == 0 ? ones : twos },
            convsPerStage: features.map { _ in 2 }, convsPerStageDecoder: features.dropFirst().map { _ in 2 },
            numClasses: numClasses, deepSupervision: deepSupervision)
    }
}

/// A U-Net configuration whose parts do not fit together.
public enum UNetConfigurationError: Error, CustomStringConvertible {
    case inconsistent(String)
    public var description: String {
        switch self { case let .inconsistent(reason): return "invalid PlainConvUNet configuration: \(reason)" }
    }
}
