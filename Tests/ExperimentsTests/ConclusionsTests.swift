import XCTest
@testable import Experiments
import Generator

/// The conclusions state, from the numbers alone, whether each generator's networks are new, the
/// start's own and above the frontier, and which generator trains unseen starts better.
final class ConclusionsTests: XCTestCase {
    func testNewOwnAndFrontierAreReadFromEachGeneratorsAudit() throws {
        let results = SampleResults.make()
        let line = try XCTUnwrap(Conclusions.state(results).first { $0.hasPrefix("New, the start's own") })
        let diffusion = try XCTUnwrap(results.tasks[0].audit), optimizer = try XCTUnwrap(results.learnedOptimizer?.evaluation.tasks[0].audit)
        func dice(_ audit: MemorisationAudit) throws -> String {
            "test Dice \(Conclusions.format(audit.unseen.dice)); the recipe's own answers from the same starts "
                + "\(Conclusions.format(try XCTUnwrap(audit.unseen.recipeAnswerDice))), generated minus theirs start by start "
                + "\(Conclusions.format(try XCTUnwrap(audit.unseen.diceOverRecipeAnswer)))"
        }
        XCTAssertTrue(line.contains("The diffusion generator — liver: \(try dice(diffusion)), not new (novelty \(Conclusions.format(diffusion.unseen.novelty))), "
                                    + "not the start's own"), line)
        XCTAssertTrue(line.contains("The learned optimiser — liver: \(try dice(optimizer)), new (novelty \(Conclusions.format(optimizer.unseen.novelty))), "
                                    + "the start's own (start dependence \(Conclusions.format(optimizer.unseen.startDependence))), "
                                    + "nearer the network its start trains to than the start was (start fidelity (a) "
                                    + "\(Conclusions.format(try XCTUnwrap(optimizer.unseen.fidelityToStart)))"
                                    + "; the recipe rerun on other batches: \(Conclusions.format(try XCTUnwrap(optimizer.unseen.retrainedFidelityToStart)))"
                                    + "; the recipe stopped at its best validation Dice: "
                                    + "\(Conclusions.format(try XCTUnwrap(optimizer.unseen.earlyStoppedFidelityToStart)))"
                                    + "; against the recipe's own answer to the prompt: "
                                    + "\(Conclusions.format(try XCTUnwrap(optimizer.unseen.fidelityToRecipeAnswer))))"), line)
        XCTAssertTrue(line.contains("\(optimizer.position.rawValue) the memorisation frontier"))
        XCTAssertLessThan(try XCTUnwrap(line.range(of: "The learned optimiser —")).lowerBound,
                          try XCTUnwrap(line.range(of: "The diffusion generator —")).lowerBound, "the default generator first")
    }

    /// The default generator's figures and the audit's verdict lead the conclusions.
    func testTheLearnedOptimiserAndTheAuditComeFirst() {
        let lines = Conclusions.state(SampleResults.make())
        XCTAssertTrue(lines[0].hasPrefix("The learned optimiser"), lines[0])
        XCTAssertTrue(lines[1].hasPrefix("New, the start's own"), lines[1])
        XCTAssertTrue(lines[2].hasPrefix("The diffusion generator's one-step generation"), lines[2])
    }

    func testABetterGeneratorIsNamedOnlyWhenIntervalsDoNotOverlap() {
        let high = Estimate([0.80, 0.81, 0.79, 0.80]), low = Estimate([0.10, 0.12, 0.11, 0.10]), wide = Estimate([0.2, 0.9, 0.5, 0.7])
        XCTAssertTrue(Conclusions.compare(optimizer: high, diffusion: low, task: "cord").contains("the learned optimiser is better"))
        XCTAssertTrue(Conclusions.compare(optimizer: low, diffusion: high, task: "cord").contains("the diffusion generator is better"))
        XCTAssertTrue(Conclusions.compare(optimizer: high, diffusion: wide, task: "cord").contains("indistinguishable"))
    }

    func testTheLearnedOptimizersLineNamesItsDiceAgainstTheBestCheckpoint() throws {
        let results = SampleResults.make()
        let line = try XCTUnwrap(Conclusions.state(results).first { $0.hasPrefix("The learned optimiser") })
        let liver = try XCTUnwrap(results.learnedOptimizer?.evaluation.tasks[0])
        XCTAssertTrue(line.contains("liver \(Conclusions.format(Estimate(liver.unseen)))"), line)
        XCTAssertTrue(line.contains("at most 32 calls"), line)
        XCTAssertTrue(line.contains("distilled from 182 checkpoint pairs"), line)
        XCTAssertFalse(line.contains("SOAP"), "the rule's own direction is not turned")
    }

    /// Adam's own step under an untrained rule is called that, not a distilled rule, and a
    /// preconditioner's direction is named with the call it takes over from.
    func testTheLearnedOptimizersLineSaysWhatItsCallsDo() throws {
        var results = SampleResults.make()
        results.learnedOptimizer?.history = .adamStep
        results.learnedOptimizer?.trainingSteps = 0
        results.learnedOptimizer?.direction = .soap(firstMoment: 0.8, secondMoment: 0.95, refreshEvery: 1, factors: .modes, after: 4)
        let line = try XCTUnwrap(Conclusions.state(results).first { $0.hasPrefix("The learned optimiser") })
        XCTAssertTrue(line.contains("(Adam's own step (the rule left untrained), turned into SOAP's eigenbasis (each tensor read by its modes; "
                                    + "moments decaying by 0.8 and 0.95 a call, the basis recomputed every call) from call 4 on; at most 32 calls)"), line)
        XCTAssertFalse(line.contains("distilled"), line)
        results.learnedOptimizer?.trainingSteps = 100
        let trained = try XCTUnwrap(Conclusions.state(results).first { $0.hasPrefix("The learned optimiser") })
        XCTAssertTrue(trained.contains("distilled from 182 checkpoint pairs of the zoo's runs (100 steps), turned into SOAP's"), trained)
        results.learnedOptimizer?.direction = .shampoo(decay: 0.95, refreshEvery: 10)
        let shampoo = try XCTUnwrap(Conclusions.state(results).first { $0.hasPrefix("The learned optimiser") })
        XCTAssertTrue(shampoo.contains("(100 steps), turned to Shampoo's direction (statistics decaying by 0.95 a call, roots recomputed every 10 calls); "), shampoo)
    }
}
