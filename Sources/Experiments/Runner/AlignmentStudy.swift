import Foundation
import Generator

/// G.pt's prompt alignment on unseen initialisations: 20 prompts from the best validation Dice
/// down to the start's own, the achieved Dice of each, and R² about the identity line per start.
enum AlignmentStudy {
    static func measure(_ context: TaskContext) throws -> PromptAlignment {
        var points: [PromptAlignment.Point] = [], scores: [Double] = []
        for index in 0..<min(context.configuration.alignmentStarts, context.unseenStarts.count) {
            let startDice = context.unseenStartDice[index]
            let prompts = (0..<20).map { context.bestPrompt - (context.bestPrompt - startDice) * Double($0) / 19 }
            let outputs = try context.generate(Array(repeating: context.unseenStarts[index], count: prompts.count),
                                               startDice: Array(repeating: startDice, count: prompts.count), prompts: prompts, seed: 21)
            let achieved = try context.testDice(outputs)
            points += zip(prompts, achieved).map { PromptAlignment.Point(prompted: $0, achieved: $1, seed: Int(context.unseenSeeds[index])) }
            scores.append(coefficientOfDetermination(prompted: prompts, achieved: achieved))
        }
        return PromptAlignment(points: points, r2: Estimate(scores))
    }
}
