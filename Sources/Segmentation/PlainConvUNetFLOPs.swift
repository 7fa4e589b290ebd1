extension PlainConvUNetConfiguration {
    /// Multiply-add FLOPs (2 per MAC) of one forward pass of convolutions and transposed
    /// convolutions at the given input size, for throughput reports.
    public func forwardFLOPs(batch: Int, spatial: [Int]) -> Double {
        var size = spatial
        var channels = inputChannels
        var total = 0.0
        var skipSizes: [[Int]] = []
        func conv(_ cin: Int, _ cout: Int, _ kernel: [Int], _ out: [Int]) {
            total += 2 * Double(batch * cin * cout * kernel.reduce(1, *) * out.reduce(1, *))
        }
        for s in 0..<stageCount {
            for c in 0..<convsPerStage[s] {
                if c == 0 { size = zip(size, strides[s]).map { $0 / $1 } }
                conv(c == 0 ? channels : featuresPerStage[s], featuresPerStage[s], kernelSizes[s], size)
            }
            channels = featuresPerStage[s]
            skipSizes.append(size)
        }
        for s in 1..<stageCount {
            let skip = featuresPerStage[stageCount - s - 1], out = skipSizes[stageCount - s - 1]
            conv(featuresPerStage[stageCount - s], skip, strides[stageCount - s], skipSizes[stageCount - s])
            for c in 0..<convsPerStageDecoder[s - 1] {
                conv(c == 0 ? 2 * skip : skip, skip, kernelSizes[stageCount - s - 1], out)
            }
        }
        total += 2 * Double(batch * featuresPerStage[0] * numClasses * skipSizes[0].reduce(1, *))
        return total
    }
}
