import Zoo

/// One distillation example: a zoo checkpoint, the training-loss gradient there, and the run's
/// move from it over the configuration's horizon (normalised units, per horizon, per unit
/// learning rate); with memory, also the run's move over the horizon before it, in the same
/// units; with a gradient history, the estimates the rule reads there (else nil); under
/// `GradientHistory.adamStep`, Adam's move from them, which the rule's output is added to (else empty).
struct DistillationExample {
    let values: [Float]
    let gradient: [Float]
    let move: [Float]
    let previousMove: [Float]
    let moments: GradientMoments?
    let state: UpdateFeatures.TensorState
    let adamMove: [Float]

    /// An example whose Adam's move (where `features` adds one) is read from its moments over
    /// `horizon` iterations, in the units of `move` once divided by `moveScale`.
    init(values: [Float], gradient: [Float], move: [Float], previousMove: [Float], moments: GradientMoments?,
         features: UpdateFeatures, horizon: Int, moveScale: Float = 1) {
        let state = features.state(values: values, gradient: gradient, moments: moments)
        self.init(values: values, gradient: gradient, move: move, previousMove: previousMove, moments: moments, state: state,
                  adamMove: features.adamMoves(iterations: horizon, moments: moments, state: state).map { $0 / moveScale })
    }

    private init(values: [Float], gradient: [Float], move: [Float], previousMove: [Float], moments: GradientMoments?,
                 state: UpdateFeatures.TensorState, adamMove: [Float]) {
        self.values = values
        self.gradient = gradient
        self.move = move
        self.previousMove = previousMove
        self.moments = moments
        self.state = state
        self.adamMove = adamMove
    }

    /// The example with its moves divided by `scale`.
    func scaled(by scale: Float) -> DistillationExample {
        DistillationExample(values: values, gradient: gradient, move: move.map { $0 / scale }, previousMove: previousMove.map { $0 / scale },
                            moments: moments, state: state, adamMove: adamMove.map { $0 / scale })
    }

    /// What the rule's network learns for parameter `index`: the move, less Adam's where it is added.
    func target(_ index: Int) -> Float {
        adamMove.isEmpty ? move[index] : move[index] - adamMove[index]
    }
}

/// Two checkpoints of one run, `scale` turning their difference into a move per horizon per unit learning rate.
struct CheckpointStep {
    let from: [Float]
    let to: [Float]
    let scale: Float

    /// The step from `checkpoint` to `later` over `horizon` iterations of a run whose initial rate
    /// is `peak`, per unit of the rate `unit` names; nil where no learning rate moved it.
    init?(_ checkpoint: (record: CheckpointRecord, values: [Float]), _ later: (record: CheckpointRecord, values: [Float]), horizon: Int,
          unit: MoveUnit, peak: Double) {
        // Per unit learning rate: the runs' different rates say nothing about the direction.
        let learningRate = unit.rate(meanOverMove: (checkpoint.record.learningRate + later.record.learningRate) / 2, peak: peak)
        guard learningRate > 0, later.record.iteration > checkpoint.record.iteration else { return nil }
        from = checkpoint.values
        to = later.values
        scale = Float(Double(horizon) / Double(later.record.iteration - checkpoint.record.iteration) / learningRate)
    }

    /// The move in normalised units of each parameter's tensor.
    func move(deviations: [Float], tensorOf: [Int]) -> [Float] {
        from.indices.map { (to[$0] - from[$0]) * scale / deviations[tensorOf[$0]] }
    }
}

/// One distillation step's feature rows, what the rule's network learns for them
/// (`DistillationExample.target`), each row's loss weight (the root of its share), how many
/// whole networks the rows are (1 where they are random parameters), and the mean square of
/// the rows' weighted moves (what predicting no move would err).
struct DistillationBatch {
    let rows: [Float]
    let targets: [Float]
    let weights: [Float]
    let networks: Int
    let moveMeanSquare: Float

    /// What a loss on these rows is divided by to be relative to predicting no move.
    var noMoveLoss: Float { max(moveMeanSquare, 1e-12) }
}
