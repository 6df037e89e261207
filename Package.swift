// swift-tools-version:6.0
import PackageDescription

// Layout (dependencies point down):
//   takumi (executable) → TakumiCLI → TakumiServer (takumi serve, Hummingbird) → TakumiBackends → TakumiAgent → TakumiGit → CLibGit2 (libgit2)
//                                                   └→ TakumiInference → CKernels (C, SIMD)
// TakumiAgent never imports TakumiInference: it talks to models through `TextGenerator`.
// TakumiBackends is the one place a model spec becomes a `TextGenerator` (the in-process
// engine, an OpenAI-compatible server over HTTP, the scripted test model).

// The kernels are hot loops; they are always compiled optimized, even in debug builds, so
// debug test runs of the engine are not 50x slower than release. SIMD variants are chosen at
// run time (per-function target attributes), so no -march flag is needed.
let kernelFlags: [CSetting] = [.unsafeFlags(["-O3", "-fno-math-errno", "-Wall", "-Wno-unused-function"])]

let package = Package(
    name: "Takumi",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "takumi", targets: ["takumi"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        .target(name: "CKernels", cSettings: kernelFlags, linkerSettings: [.linkedLibrary("pthread"), .linkedLibrary("m")]),
        .target(name: "TakumiInference", dependencies: ["CKernels"]),
        .systemLibrary(name: "CLibGit2", pkgConfig: "libgit2", providers: [.apt(["libgit2-dev"])]),
        .target(name: "TakumiGit", dependencies: ["CLibGit2"]),
        .target(name: "TakumiAgent", dependencies: [
            "TakumiGit",
            .product(name: "Mustache", package: "swift-mustache"),
        ]),
        .target(name: "TakumiBackends", dependencies: ["TakumiAgent", "TakumiInference"]),
        .target(name: "TakumiServer", dependencies: [
            "TakumiBackends", "TakumiAgent",
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        .plugin(name: "BuildInfoPlugin", capability: .buildTool()),
        .target(name: "TakumiCLI", dependencies: [
            "TakumiBackends", "TakumiServer", "TakumiAgent", "TakumiInference", "TakumiGit",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], plugins: ["BuildInfoPlugin"]),
        .executableTarget(name: "takumi", dependencies: ["TakumiCLI"]),

        .testTarget(name: "CKernelsTests", dependencies: ["CKernels"]),
        .testTarget(name: "TakumiInferenceTests", dependencies: ["TakumiInference", "CKernels"]),
        .testTarget(name: "TakumiGitTests", dependencies: ["TakumiGit"]),
        .testTarget(name: "TakumiAgentTests", dependencies: ["TakumiAgent", "TakumiGit"]),
        .testTarget(name: "TakumiBackendsTests", dependencies: ["TakumiBackends", "TakumiAgent", "TakumiInference"]),
        .testTarget(name: "TakumiCLITests", dependencies: ["TakumiCLI", "TakumiBackends", "TakumiAgent"]),
    ],
    swiftLanguageModes: [.v5]
)
