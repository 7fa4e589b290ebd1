import ArgumentParser
import Foundation
import Segmentation

extension PhantomContrastMode: ExpressibleByArgument {}
extension PhantomTask: ExpressibleByArgument {}

/// `weightgen phantom`: writes the built-in spinal-cord phantom as nnU-Net raw datasets.
struct Phantom: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the built-in spinal-cord phantom as nnU-Net v2 raw datasets (cord, canal, lesion).",
        discussion: """
        Writes DIR/Dataset101_PhantomCord, DIR/Dataset102_PhantomCanal and DIR/Dataset103_PhantomLesion: \
        the same MRI-like axial 2D images (NIfTI [size, size, 1], 0.56–0.94 mm in-plane at size 64) with one \
        binary label set per task. Case i depends only on the seed, i and the options, not on --cases. \
        The difficulty options default to a setting that keeps small U-Nets from saturating.
        """)

    @Option(help: "Output folder; one dataset folder per task is written inside it.") var out: String
    @Option(help: "Number of cases.") var cases: Int
    @Option(help: "Dataset seed.") var seed: UInt64
    @Option(help: "Image width and height in voxels.") var size = 64
    @Option(help: "Weighting: t1, t2 or mixed (a third T1-like).") var contrast = PhantomContrastMode.mixed
    @Option(parsing: .upToNextOption, help: "Tasks to write (cord canal lesion).") var tasks = PhantomTask.allCases

    @Option(help: "Cord signal-to-noise ratio.") var snr = PhantomDifficulty.default.signalToNoise
    @Option(help: "Scale of the cord–CSF contrast (1 textbook, 0 none).")
    var cordCsfContrast = PhantomDifficulty.default.cordCSFContrast
    @Option(help: "Point-spread-function sigma in voxels.") var blur = PhantomDifficulty.default.blurSigma
    @Option(help: "Mean lesion radius in mm.") var lesionRadius = PhantomDifficulty.default.lesionRadius
    @Option(help: "Lesion contrast relative to the cord.") var lesionContrast = PhantomDifficulty.default.lesionContrast
    @Option(help: "Share of cases with lesions.") var lesionFraction = PhantomDifficulty.default.lesionCaseFraction
    @Option(help: "Scale of shape deformations (0: centred ellipses).")
    var shapeVariability = PhantomDifficulty.default.shapeVariability
    @Option(help: "Bias-field strength (std of its log).") var bias = PhantomDifficulty.default.biasFieldStrength

    func run() throws {
        let difficulty = PhantomDifficulty(
            signalToNoise: snr, cordCSFContrast: cordCsfContrast, blurSigma: blur, lesionRadius: lesionRadius,
            lesionContrast: lesionContrast, lesionCaseFraction: lesionFraction, shapeVariability: shapeVariability,
            biasFieldStrength: bias)
        let phantom = try SpinalCordPhantom(
            configuration: PhantomConfiguration(seed: seed, size: size, contrast: contrast, difficulty: difficulty))
        let start = Date()
        let folders = try PhantomDatasetWriter.write(phantom, caseCount: cases, to: URL(fileURLWithPath: out), tasks: tasks)
        for task in tasks {
            print("wrote \(folders[task]!.path) (\(cases) cases, task \(task.rawValue))")
        }
        print(String(format: "done in %.1f s", Date().timeIntervalSince(start)))
    }
}
