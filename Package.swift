// swift-tools-version:6.0
import PackageDescription

// One library target per layer of the design; dependencies point downwards only:
// TensorEngine <- {NeuralNetwork, Formats} <- Segmentation <- Zoo <- Generator <- Experiments <- weightgen (CLI).
let package = Package(
    name: "WeightGen",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "weightgen", targets: ["weightgen"]),
        .library(name: "TensorEngine", targets: ["TensorEngine"]),
        .library(name: "NeuralNetwork", targets: ["NeuralNetwork"]),
        .library(name: "Formats", targets: ["Formats"]),
        .library(name: "Segmentation", targets: ["Segmentation"]),
        .library(name: "Zoo", targets: ["Zoo"]),
        .library(name: "Generator", targets: ["Generator"]),
        .library(name: "Experiments", targets: ["Experiments"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS",
            path: "Sources/CBLAS",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(name: "SystemZlib", path: "Sources/SystemZlib", providers: [.apt(["zlib1g-dev"])]),
        // Direct convolution kernels in C, compiled per instruction-set level and chosen at run time.
        .target(name: "ConvolutionKernels", exclude: ["ShiftedCorrelation.inc"]),
        .target(
            name: "TensorEngine",
            dependencies: ["ConvolutionKernels", .target(name: "CBLAS", condition: .when(platforms: [.linux]))]
        ),
        .target(name: "NeuralNetwork", dependencies: ["TensorEngine"]),
        .target(
            name: "Formats",
            dependencies: ["TensorEngine", "SystemZlib", .product(name: "ZIPFoundation", package: "ZIPFoundation")]
        ),
        .target(name: "Segmentation", dependencies: ["TensorEngine", "NeuralNetwork", "Formats"]),
        .target(
            name: "Zoo",
            dependencies: ["TensorEngine", "NeuralNetwork", "Formats", "Segmentation", "SystemZlib",
                           .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .target(name: "Generator", dependencies: ["TensorEngine", "NeuralNetwork", "Formats", "Segmentation", "Zoo"]),
        .target(
            name: "Experiments",
            dependencies: ["TensorEngine", "NeuralNetwork", "Formats", "Segmentation", "Zoo", "Generator", "SystemZlib"]
        ),
        .target(
            name: "Benchmarks",
            dependencies: ["TensorEngine", "NeuralNetwork", "Segmentation", "Zoo", "Generator"],
            resources: [.copy("Resources/engine_torch.py"), .copy("Resources/train_nnunet.py"), .copy("Resources/generator_torch.py"), .copy("Resources/peer_common.py"),
                        .copy("Resources/head_torch.py"), .copy("Resources/learned_optimizer_torch.py")]
        ),
        .executableTarget(
            name: "weightgen",
            dependencies: [
                "TensorEngine", "NeuralNetwork", "Formats", "Segmentation", "Zoo", "Generator", "Experiments", "Benchmarks",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "TensorEngineTests", dependencies: ["TensorEngine", "TestSupport"]),
        .testTarget(name: "NeuralNetworkTests", dependencies: ["NeuralNetwork", "TestSupport"]),
        .testTarget(name: "FormatsTests", dependencies: ["Formats", "TestSupport"]),
        .testTarget(name: "SegmentationTests", dependencies: ["Segmentation", "TestSupport"]),
        .testTarget(name: "ZooTests", dependencies: ["Zoo", "Segmentation", "NeuralNetwork", "TestSupport"]),
        .testTarget(name: "GeneratorTests", dependencies: ["Generator", "Zoo", "Segmentation", "TestSupport"]),
        .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "Generator", "Zoo", "Segmentation", "TestSupport"]),
        .target(name: "TestSupport", dependencies: ["TensorEngine"], path: "Tests/TestSupport"),
    ],
    swiftLanguageModes: [.v5]
)
