// swift-tools-version:6.0
// Glassbox: a Jupyter kernel, in Swift, for seeing why a neural network decides what it decides.
//
// Modules, arrows pointing one way:
//   C shims (CZeroMQ, CCairo, COpenBLAS, CZlib, CMalloc, CCurl) and uniform product kernels (CUniformGemm)
//   → GlassboxEngine (tensors, BLAS)
//   → GlassboxData (IDX, MNIST locator, cluttered MNIST)
//   → GlassboxModels (layers, rule-swapping backward pass, training, safetensors, zoo)
//   → GlassboxMethods (explanation methods)
//   → GlassboxFigures (Cairo figures; depends only on CCairo)
//   → GlassboxLanguage (the command language and its builtins)
//   → GlassboxKernel (Jupyter protocol over ZeroMQ; knows nothing about neural networks)
//   → glassbox (command-line interface)
import PackageDescription

let crypto: Target.Dependency = .product(name: "Crypto", package: "swift-crypto")
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")

let package = Package(
    name: "Glassbox",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "glassbox", targets: ["glassbox"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // C shims over Debian's -dev packages.
        .systemLibrary(name: "CZeroMQ", pkgConfig: "libzmq", providers: [.apt(["libzmq3-dev"])]),
        .systemLibrary(name: "CCairo", pkgConfig: "cairo", providers: [.apt(["libcairo2-dev"])]),
        // Header only: GlassboxEngine opens OpenBLAS with dlopen so that it can choose the kernels
        // before the library starts (OpenBLASLibrary.swift).
        .systemLibrary(name: "COpenBLAS", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // glibc's allocator statistics (mallinfo2), for the memory budget.
        .systemLibrary(name: "CMalloc"),

        // Matrix-product kernels whose results do not depend on an element's position (our own C,
        // with AVX-512, AVX2 + FMA and portable variants chosen at run time).
        .target(name: "CUniformGemm", cSettings: [.unsafeFlags(["-O3"])]),
        // HTTP downloads through libcurl, opened with dlopen at the first download (instead of
        // FoundationNetworking, whose libcurl and its dependencies every process would load at start).
        .target(name: "CCurl"),

        .target(name: "GlassboxEngine", dependencies: ["COpenBLAS", "CMalloc", "CUniformGemm"]),
        .target(name: "GlassboxData", dependencies: ["GlassboxEngine", "CZlib", "CCurl", crypto]),
        .target(name: "GlassboxModels", dependencies: ["GlassboxEngine", "GlassboxData"], resources: [.copy("Weights")]),
        .target(name: "GlassboxMethods", dependencies: ["GlassboxData", "GlassboxModels"]),
        .target(name: "GlassboxFigures", dependencies: ["CCairo"]),
        .target(
            name: "GlassboxLanguage",
            dependencies: ["GlassboxEngine", "GlassboxData", "GlassboxModels", "GlassboxMethods", "GlassboxFigures"]),
        .target(name: "GlassboxKernel", dependencies: ["CZeroMQ", crypto]),
        .executableTarget(
            name: "glassbox",
            dependencies: ["GlassboxKernel", "GlassboxLanguage", "GlassboxModels", "GlassboxMethods", "GlassboxData", argumentParser]),

        .testTarget(name: "GlassboxEngineTests", dependencies: ["GlassboxEngine"]),
        .testTarget(name: "GlassboxDataTests", dependencies: ["GlassboxData"]),
        .testTarget(name: "GlassboxModelsTests", dependencies: ["GlassboxModels"]),
        .testTarget(name: "GlassboxMethodsTests", dependencies: ["GlassboxMethods"]),
        .testTarget(name: "GlassboxFiguresTests", dependencies: ["GlassboxFigures"]),
        .testTarget(name: "GlassboxLanguageTests", dependencies: ["GlassboxLanguage"]),
        .testTarget(name: "GlassboxKernelTests", dependencies: ["GlassboxKernel"]),
        // Trains real models on MNIST from ../shared/data/mnist (or $GLASSBOX_DATA); run in release.
        .testTarget(name: "GlassboxIntegrationTests", dependencies: ["GlassboxModels", "GlassboxData", "GlassboxMethods"]),
    ]
)
