import Foundation
import Segmentation
import TensorEngine

/// The learning rate a distilled rule generates at, chosen per task on validation cases after training.
extension LearnedOptimizerTrainer {
    /// Learning rates tried after training, as multiples of the distilled runs' median.
    public static let learningRateMultiples: [Float] = [0.125, 0.25, 0.5, 1, 2, 4]
    /// Fresh initialisations per task the learning rate is chosen on: seeds 8,000,000 + k, which
    /// no zoo run and no evaluation (7,000,000 + k) starts from. Four rather than two: the
    /// choice is a mean over starts, and where rates do about equally well (the cord head zoo:
    /// 0.959–0.963 over a 32 × range) it still turns on the starts drawn.
    public static let calibrationStarts = 4

    /// Per task, the learning rate of `chosenRate` from generations of fresh initialisations:
    /// each generation's best validation Dice and the calls it took to 0.9 × the distilled runs'
    /// best validation Dice (each start's are logged, to show how flat the curve is). One
    /// optimiser serving several tasks moves each at its own rate. Chosen on validation cases,
    /// never test cases.
    func chooseLearningRates(_ optimizer: LearnedOptimizer, progress: (String) -> Void) throws -> [Float] {
        let architecture = description.architecture, layout = optimizer.assembly.layout
        let starts = try (0..<Self.calibrationStarts).map { try layout.flatten(try PlainConvUNet(architecture, seed: 8_000_000 + UInt64($0))) }
        let rates = Self.learningRateMultiples.map { $0 * medianLearningRate }
        let neverReached = optimizer.description.configuration.maximumCalls + 1
        // calibrations[task][rate][start]
        var calibrations = [[[RateCalibration]]](repeating: [], count: evaluators.count)
        for rate in rates {
            optimizer.description.learningRates = [Float](repeating: rate, count: evaluators.count)
            let jobs = evaluators.indices.flatMap { task in starts.indices.map { (task: task, start: $0) } }
            let measured = try parallelMap(jobs.count) { index -> RateCalibration in
                let (task, start) = jobs[index]
                let trajectory = try optimizer.trajectory(from: starts[start], task: task, evaluator: evaluators[task], stop: .reaching(.infinity, checks: .everyCall),
                                                          data: calibrationData(task: task, start: start))
                return RateCalibration(bestDice: trajectory.bestValidationDice,
                                       calls: trajectory.firstReaching(0.9 * bestValidationDice[task]) ?? neverReached)
            }
            for task in evaluators.indices { calibrations[task].append(zip(jobs, measured).filter { $0.0.task == task }.map(\.1)) }
            progress(String(format: "learning rate %.4g: best validation Dice ", rate)
                     + description.tasks.indices.map { task in
                         let last = calibrations[task].last!
                         return String(format: "%@ %.4f (%@), calls to 0.9 × %.4f: %@", description.tasks[task], Estimate(last.map(\.bestDice)).mean,
                                       last.map { String(format: "%.3f", $0.bestDice) }.joined(separator: " "), bestValidationDice[task],
                                       last.map { $0.calls == neverReached ? "none" : String($0.calls) }.joined(separator: " "))
                     }.joined(separator: "; ")
                     + " (mean over \(starts.count) fresh starts, then each start)")
        }
        return calibrations.map { rates[Self.chosenRate($0)] }
    }

    /// What calibration start `start` of task `task` reads: fresh draws, or for a rule that reads
    /// its runs' batches those of the task's best validation recipe with the start's seed as data seed.
    private func calibrationData(task: Int, start: Int) -> GenerationData {
        configuration.gradient.readsRunBatches ? .recipeBatches(recipes[task], seed: 8_000_000 + UInt64(start)) : .freshDraws(stream: 0)
    }

    /// The index of the rate a calibration chooses, given each rate's generations
    /// (`calibrations[rate][start]`, rates ascending): of the rates whose mean best validation
    /// Dice lies within the 95% interval of the best mean (statistically as good), the one whose
    /// generations reach 0.9 × the prompt in the fewest calls on average; on equal calls the
    /// better Dice, then the smaller rate. On a flat validation curve speed decides; a rate that
    /// trains worse is never chosen for speed.
    static func chosenRate(_ calibrations: [[RateCalibration]]) -> Int {
        let dice = calibrations.map { Estimate($0.map(\.bestDice)) }
        let calls = calibrations.map { values in Double(values.map(\.calls).reduce(0, +)) / Double(max(values.count, 1)) }
        var best = 0
        for index in dice.indices where dice[index].mean > dice[best].mean + 1e-4 { best = index }
        let floor = dice[best].lower
        var chosen = best
        for index in dice.indices where dice[index].mean >= floor {
            if calls[index] < calls[chosen] || (calls[index] == calls[chosen] && dice[index].mean > dice[chosen].mean + 1e-4) {
                chosen = index
            }
        }
        return chosen
    }
}


/// One calibration generation: the best validation Dice it reached and the calls it took to
/// 0.9 × the prompt (the configuration's maximum + 1 where it never did).
struct RateCalibration {
    let bestDice: Double
    let calls: Int
}
