import Foundation
import Segmentation
import TensorEngine

/// The metrics recorded with every zoo checkpoint.
public struct CheckpointMetrics: Sendable, Equatable {
    public var trainLoss: Double
    public var validationLoss: Double
    public var validationDice: Double
    public var testLoss: Double
    public var testDice: Double
}

/// The metrics a model may be selected or prompted by: training loss and validation loss and
/// Dice. No test case is read to compute them.
public struct SelectionMetrics: Sendable, Equatable {
    public var trainLoss: Double
    public var validationLoss: Double
    public var validationDice: Double
}

/// Measures a network on fixed case sets: nnU-Net's Dice + cross-entropy (per case, averaged)
/// and foreground Dice of the argmax (per case, averaged; a case where prediction and
/// reference are both empty has no Dice and is left out, as nnU-Net does). Single-slice cases
/// whose size the network's downsampling divides go through it whole, in batches of equal
/// size (the network is fully convolutional); others through the sliding window.
struct CheckpointEvaluator {
    let trainingCases: [SegmentationCase]
    let validationCases: [SegmentationCase]
    /// Read on first use: only reporting asks for them.
    let testCases: SealedTestCases
    let patchSize: [Int]
    /// For a partial zoo whose subset lies in the head: the frozen part's outputs, computed once.
    let headInputs: HeadInputCache?
    private let batchSize = 32

    /// Cases are z-score normalised here, as the trainer does; `test` runs when a test metric is first asked for.
    init(training: [SegmentationCase], validation: [SegmentationCase], test: @escaping () throws -> [SegmentationCase],
         patchSize: [Int], headInputs: HeadInputCache? = nil) {
        trainingCases = training.map { $0.zScoreNormalized() }
        validationCases = validation.map { $0.zScoreNormalized() }
        testCases = SealedTestCases { try test().map { $0.zScoreNormalized() } }
        self.patchSize = patchSize
        self.headInputs = headInputs
    }

    /// `network`'s logits for `x`: through its head alone when the frozen part's output is cached.
    private func logits(_ network: PlainConvUNet, _ x: Tensor) throws -> Tensor {
        guard let headInputs, HeadInputCache.serves(network) else { return try network(x) }
        return try headInputs.logits(network, x)
    }

    /// Every recorded metric, test cases included (for the zoo's records and for reports).
    func evaluate(_ network: PlainConvUNet) throws -> CheckpointMetrics {
        let selection = try selectionMetrics(network)
        let test = try withNoGrad { try measure(network, on: try testCases.cases()) }
        return CheckpointMetrics(trainLoss: selection.trainLoss, validationLoss: selection.validationLoss,
                                 validationDice: selection.validationDice, testLoss: test.loss, testDice: test.dice)
    }

    /// Foreground Dice on the test cases alone, for reports.
    func testDice(_ network: PlainConvUNet) throws -> Double {
        try withNoGrad { try measuredDice(network, on: try testCases.cases()) }
    }

    /// Training loss and validation loss and Dice, without reading a test case.
    func selectionMetrics(_ network: PlainConvUNet) throws -> SelectionMetrics {
        try withNoGrad {
            let train = try measure(network, on: trainingCases)
            let validation = try measure(network, on: validationCases)
            return SelectionMetrics(trainLoss: train.loss, validationLoss: validation.loss, validationDice: validation.dice)
        }
    }

    /// Training loss alone (no validation pass): the other metric a generator may be prompted with.
    func trainingLoss(_ network: PlainConvUNet) throws -> Double {
        try withNoGrad { try measure(network, on: trainingCases).loss }
    }

    /// Validation Dice alone (no training-loss pass): what a generator stops or selects by.
    func validationDice(_ network: PlainConvUNet) throws -> Double {
        try withNoGrad { try measuredDice(network, on: validationCases) }
    }

    /// `validationDice`, or nil as soon as it is certain to lie below `floor`. The cases are
    /// measured a part at a time (the batches of whole slices; then each volume, under a 2D patch
    /// as many slices as a forward takes at a time, most reference foreground first, else whole),
    /// and after each part the most the rest could bring (`PartlyMeasuredDice`) is compared with
    /// `floor`: a network far below it is found out from a few slices. A network of more than two
    /// classes is measured whole.
    func validationDice(_ network: PlainConvUNet, unlessBelow floor: Double) throws -> Double? {
        guard network.configuration.numClasses == 2 else {
            let dice = try validationDice(network)
            return dice < floor ? nil : dice
        }
        return try withNoGrad {
            // The cases in the order `measuredDice` sums them, so that the complete mean is its bit for bit.
            let batches = wholeImageBatches(network, cases: validationCases)
            let ordered = batches.flatMap { $0 } + validationCases.filter { !fitsWhole($0, network: network) }
            var dice = PartlyMeasuredDice(referenceForeground: ordered.map { foregroundVoxels($0.label ?? []) })
            var first = 0
            for batch in batches {
                let images = try Tensor(shape: Shape([batch.count, batch[0].channels] + batch[0].shape.dropFirst()), values: batch.flatMap(\.image))
                for (n, counts) in try foregroundCounts(logits: logits(network, images), cases: batch).enumerated() {
                    dice.add(counts[0], toCase: first + n)
                }
                first += batch.count
                if dice.upperBound < floor { return nil }
            }
            let predictor = SlidingWindowPredictor(patchSize: patchSize, network: { try logits(network, $0) })
            for (c, item) in ordered.enumerated().dropFirst(first) {
                for part in CaseParts(item, slicesPerPart: patchSize[0] == 1 ? predictor.windowsPerForward : nil).parts {
                    let (values, classes) = try predictor.logits(image: part.image, channels: item.channels, shape: part.shape)
                    dice.add(OverlapCounts(prediction: argmax(values, classes: classes), reference: part.label, label: 1), toCase: c)
                    if dice.upperBound < floor { return nil }
                }
            }
            return dice.upperBound
        }
    }

    /// The gradient of the recorded training loss (nnU-Net's Dice + CE averaged over cases) at
    /// `network`'s parameters, over the training-loss cases that go through the network whole,
    /// flat in `layout` (the parameters it holds must require gradients).
    func trainingLossGradient(_ network: PlainConvUNet, layout: ParameterLayout) throws -> [Float] {
        try lossGradient(network, layout: layout, cases: trainingCases)
    }

    /// The same loss's gradient over `cases` (z-score normalised training cases). Single-slice
    /// cases the network takes whole go through it in batches of equal size (Dice per case);
    /// any other case goes through whole too, cropped about its centre to sizes the network's
    /// downsampling divides: a volume's slices as one batch for a 2D network, the volume for a
    /// 3D one, with Dice over the whole case — the loss recorded for it, but for the crop.
    func lossGradient(_ network: PlainConvUNet, layout: ParameterLayout, cases: [SegmentationCase]) throws -> [Float] {
        network.zeroGrad()
        defer { network.zeroGrad() }
        let batches = wholeImageBatches(network, cases: cases)
        let others = cases.filter { !fitsWhole($0, network: network) }
        let total = Float(batches.map(\.count).reduce(0, +) + others.count)
        for batch in batches {
            let labels = batch.flatMap { $0.label ?? [UInt8](repeating: 0, count: $0.voxelCount) }
            let images = try Tensor(shape: Shape([batch.count, batch[0].channels] + batch[0].shape.dropFirst()), values: batch.flatMap(\.image))
            let target = try Tensor(shape: Shape([batch.count] + batch[0].shape.dropFirst()), values: labels.map(Float.init))
            let loss = try SegmentationLoss.diceCrossEntropy(logits: logits(network, images), target: target, batchDice: false)
            try (loss * (Float(batch.count) / total)).backward()
        }
        for item in others {
            let (images, target) = try CentreCrop(item, network: network).tensors(item)
            let loss = try SegmentationLoss.diceCrossEntropy(logits: logits(network, images), target: target, batchDice: true)
            try (loss * (1 / total)).backward()
        }
        return try flatGradients(network, layout: layout)
    }

    /// The training loss's gradient on one batch of training patches (images and labels as a
    /// trainer's batch), with per-sample Dice as the zoos' runs train: through the whole network,
    /// since the head inputs of fresh patches are not cached. With what the batch's foreground Dice needs.
    func batchLossGradient(_ network: PlainConvUNet, layout: ParameterLayout, batch: TrainingBatch) throws -> PatchGradient {
        network.zeroGrad()
        defer { network.zeroGrad() }
        let logits = try network(batch.images)
        try SegmentationLoss.diceCrossEntropy(logits: logits, target: batch.labels, batchDice: false).backward()
        return PatchGradient(gradient: try flatGradients(network, layout: layout), logits: logits, labels: batch.labels)
    }

    /// The training loss's gradient on one batch of cached head inputs and their labels, with
    /// the loss head runs train on (`CachedHeadTrainer`: batch Dice, full-resolution output alone).
    /// With what the batch's foreground Dice needs.
    func headBatchLossGradient(_ network: PlainConvUNet, layout: ParameterLayout, inputs: Tensor, labels: Tensor) throws -> PatchGradient {
        network.zeroGrad()
        defer { network.zeroGrad() }
        // Batch Dice: nnU-Net's default, which every head run of a zoo trains with.
        let logits = try CachedHeadTrainer.lossAndGradients(network, inputs: inputs, labels: labels, batchDice: true).logits
        return PatchGradient(gradient: try flatGradients(network, layout: layout), logits: logits, labels: labels)
    }

    /// The gradients `backward` left on `network`'s parameters, flat in `layout` (zero for a parameter without one).
    private func flatGradients(_ network: PlainConvUNet, layout: ParameterLayout) throws -> [Float] {
        layout.concatenated(try layout.tensors(of: network).map(\.grad))
    }

    /// The network's argmax on each test case (z-score normalised image, reference and prediction), for overlays.
    func testPredictions(_ network: PlainConvUNet) throws -> [(item: SegmentationCase, prediction: [UInt8])] {
        try predictions(network, on: try testCases.cases())
    }

    /// The network's argmax on each validation case, for error analyses that select or compare models.
    func validationPredictions(_ network: PlainConvUNet) throws -> [(item: SegmentationCase, prediction: [UInt8])] {
        try predictions(network, on: validationCases)
    }

    /// The validation cases with foreground that the network predicts nothing on.
    func validationEmptyPredictions(_ network: PlainConvUNet) throws -> EmptyPredictions {
        var empty = EmptyPredictions()
        for (item, prediction) in try validationPredictions(network) {
            empty.record(prediction: prediction, reference: item.label ?? [UInt8](repeating: 0, count: prediction.count))
        }
        return empty
    }

    private func predictions(_ network: PlainConvUNet, on cases: [SegmentationCase]) throws -> [(item: SegmentationCase, prediction: [UInt8])] {
        try withNoGrad {
            let predictor = SlidingWindowPredictor(patchSize: patchSize, network: { try logits(network, $0) })
            return try cases.map { item in
                if fitsWhole(item, network: network) {
                    let images = try Tensor(shape: Shape([1, item.channels] + item.shape.dropFirst()), values: item.image)
                    let logits = try logits(network, images)
                    return (item, argmax(logits.scalars, classes: logits.shape[1]))
                }
                let (values, classes) = try predictor.logits(image: item.image, channels: item.channels, shape: item.shape)
                return (item, argmax(values, classes: classes))
            }
        }
    }

    /// Whether a case goes through the network whole: a single slice whose size the network's downsampling divides.
    private func fitsWhole(_ item: SegmentationCase, network: PlainConvUNet) -> Bool {
        let rank = network.configuration.spatialRank
        let factor = network.configuration.strides.reduce([Int](repeating: 1, count: rank)) { zip($0, $1).map(*) }
        return patchSize[0] == 1 && item.shape[0] == 1 && item.shape[1] % factor[0] == 0 && item.shape[2] % factor[1] == 0
    }

    /// The cases that fit whole, grouped by shape into batches of at most `batchSize`.
    private func wholeImageBatches(_ network: PlainConvUNet, cases: [SegmentationCase]) -> [[SegmentationCase]] {
        let groups = Dictionary(grouping: cases.filter { fitsWhole($0, network: network) }, by: \.shape)
            .sorted { $0.key.lexicographicallyPrecedes($1.key) }
        return groups.flatMap { _, group in
            stride(from: 0, to: group.count, by: batchSize).map { Array(group[$0..<min(group.count, $0 + batchSize)]) }
        }
    }

    private func measure(_ network: PlainConvUNet, on cases: [SegmentationCase]) throws -> (loss: Double, dice: Double) {
        var losses: [Double] = [], dices: [Double] = []
        try forEachLogits(network, on: cases) { logits, batch in
            losses.append(try lossSum(logits: logits, cases: batch))
            dices += foregroundDices(logits: logits, cases: batch)
        }
        let loss = cases.isEmpty ? .nan : losses.reduce(0, +) / Double(cases.count)
        return (loss, dices.isEmpty ? 0 : dices.reduce(0, +) / Double(dices.count))
    }

    /// `measure`'s Dice alone: the loss is not computed, as a generation's checks need none.
    private func measuredDice(_ network: PlainConvUNet, on cases: [SegmentationCase]) throws -> Double {
        var dices: [Double] = []
        try forEachLogits(network, on: cases) { logits, batch in dices += foregroundDices(logits: logits, cases: batch) }
        return dices.isEmpty ? 0 : dices.reduce(0, +) / Double(dices.count)
    }

    /// The network's logits for `cases`, batch by batch: single slices it takes whole in batches
    /// of equal size, any other case alone through the sliding window.
    private func forEachLogits(_ network: PlainConvUNet, on cases: [SegmentationCase],
                               _ body: (_ logits: Tensor, _ batch: [SegmentationCase]) throws -> Void) throws {
        for batch in wholeImageBatches(network, cases: cases) {
            let images = try Tensor(shape: Shape([batch.count, batch[0].channels] + batch[0].shape.dropFirst()), values: batch.flatMap(\.image))
            try body(try logits(network, images), batch)
        }
        let predictor = SlidingWindowPredictor(patchSize: patchSize, network: { try logits(network, $0) })
        for item in cases where !fitsWhole(item, network: network) {
            let (values, classes) = try predictor.logits(image: item.image, channels: item.channels, shape: item.shape)
            try body(try Tensor(shape: Shape([1, classes] + item.shape), values: values), [item])
        }
    }

    /// The summed loss of `cases` (nnU-Net's Dice + CE with per-sample Dice, so the batch value
    /// times the batch size is the sum of per-case losses for equal-sized cases).
    private func lossSum(logits: Tensor, cases: [SegmentationCase]) throws -> Double {
        let voxels = logits.count / (logits.shape[0] * logits.shape[1])
        let labels = cases.flatMap { $0.label ?? [UInt8](repeating: 0, count: voxels) }
        let target = try Tensor(shape: Shape([cases.count] + Array(logits.shape.dims.dropFirst(2))), values: labels.map(Float.init))
        return Double(try SegmentationLoss.diceCrossEntropy(logits: logits, target: target, batchDice: false).item) * Double(cases.count)
    }

    /// Each case's foreground Dice of the argmax, per foreground class present in prediction or reference.
    private func foregroundDices(logits: Tensor, cases: [SegmentationCase]) -> [Double] {
        foregroundCounts(logits: logits, cases: cases).joined().filter(\.holdsLabel).map(\.dice)
    }

    /// Each case's overlap counts of the argmax of `logits` for `cases`, per foreground class (1, 2, …).
    private func foregroundCounts(logits: Tensor, cases: [SegmentationCase]) -> [[OverlapCounts]] {
        let classes = logits.shape[1], voxels = logits.count / (logits.shape[0] * classes)
        let values = logits.scalars
        return cases.enumerated().map { n, item in
            let prediction = argmax(Array(values[(n * classes * voxels)..<((n + 1) * classes * voxels)]), classes: classes)
            let reference = item.label ?? [UInt8](repeating: 0, count: voxels)
            return (1..<classes).map { OverlapCounts(prediction: prediction, reference: reference, label: UInt8($0)) }
        }
    }
}
