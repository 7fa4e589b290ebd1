/// K generations from one start, each reading its own stream of fresh draws, answered by the
/// parameter-wise mean of their answers: where trainings from one start on other data share a
/// basin, their mean lies nearer the network the start leads to whatever the data than any one
/// of them does, at K times their cost. With one generation it is that generation.
public struct MeanOfGenerations: Sendable {
    /// The generations, stream 0 first.
    public let trajectories: [UpdateTrajectory]

    /// At least one generation.
    public init(_ trajectories: [UpdateTrajectory]) {
        precondition(!trajectories.isEmpty, "a mean of no generations")
        self.trajectories = trajectories
    }

    /// The mean of every generation's answer to `prompt` (`UpdateTrajectory.answer`), each
    /// answer the mean of the answered network and the `averagedNetworks` − 1 before it
    /// (`UpdateTrajectory.mean(endingAt:count:)`; 1: the answered network itself).
    public func answer(prompt: Double, choice: GenerationAnswer, averagedNetworks: Int = 1) -> [Float] {
        let answers = trajectories.map { $0.mean(endingAt: $0.answer(prompt: prompt, choice: choice), count: averagedNetworks) }
        return parameterwiseMean(answers)
    }

    /// The validation Dice of the start, where a generation measured it.
    public var startValidationDice: Double? {
        trajectories.lazy.compactMap { $0.validationDice[0] }.first
    }

    /// What it took every generation to first reach `target`, summed over them (checks included,
    /// and of that the checks alone, and their number): the cost of having all K networks there,
    /// since the mean exists only once they all are (it is not checked itself). Nil where one
    /// never reaches it.
    public func cost(toReach target: Double) -> (calls: Int, checks: Int, seconds: Double, checkSeconds: Double)? {
        var total = (calls: 0, checks: 0, seconds: 0.0, checkSeconds: 0.0)
        for trajectory in trajectories {
            guard let reached = trajectory.firstReaching(target) else { return nil }
            total.calls += trajectory.callsMade(toReach: reached)
            total.checks += (1...reached).filter { trajectory.validationDice[$0] != nil || trajectory.checkedBelowFloor.contains($0) }.count
            total.seconds += trajectory.seconds[reached]
            total.checkSeconds += trajectory.checkSeconds[reached]
        }
        return total
    }
}
