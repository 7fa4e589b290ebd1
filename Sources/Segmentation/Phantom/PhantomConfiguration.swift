/// Everything that determines a phantom dataset: with the same configuration, case `i` is
/// identical on every run and does not depend on how many cases are generated.
public struct PhantomConfiguration: Codable, Equatable, Sendable {
    /// The dataset seed; case `i` draws from a generator derived from (seed, i).
    public var seed: UInt64
    /// Image width and height in voxels. The field of view stays 36–60 mm whatever the size,
    /// so the in-plane spacing is field of view / size (0.56–0.94 mm at 64).
    public var size: Int
    /// The weighting(s) the cases are drawn from.
    public var contrast: PhantomContrastMode
    /// Noise, contrast, blur, lesion and shape knobs.
    public var difficulty: PhantomDifficulty

    /// A configuration; `mixed` contrast by default, so that part of the cases (the T1-like ones)
    /// have low cord–CSF contrast.
    public init(seed: UInt64, size: Int = 64, contrast: PhantomContrastMode = .mixed,
                difficulty: PhantomDifficulty = .default) {
        self.seed = seed
        self.size = size
        self.contrast = contrast
        self.difficulty = difficulty
    }

    /// Checks the size and the difficulty knobs.
    public func validate() throws {
        guard (16...1024).contains(size) else {
            throw PhantomError.invalidParameter("size is \(size); it must lie in 16...1024 voxels")
        }
        try difficulty.validate()
    }
}
