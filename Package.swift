// swift-tools-version: 6.0
import PackageDescription

// Layers point one way:
// CVulkan, CShaderc -> VulkanRuntime -> Kernels -> Augur -> augur, augur-bench.
// GGUF (file format and tensor types, pure Swift) sits beside VulkanRuntime and feeds Kernels.
let package = Package(
    name: "Augur",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Augur", targets: ["Augur"]),
        .library(name: "Kernels", targets: ["Kernels"]),
        .library(name: "VulkanRuntime", targets: ["VulkanRuntime"]),
        .executable(name: "augur", targets: ["augur"]),
        .executable(name: "augur-bench", targets: ["augur-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .systemLibrary(
            name: "CVulkan", path: "Sources/CVulkan",
            providers: [.apt(["libvulkan-dev", "mesa-vulkan-drivers"])]),
        .systemLibrary(
            name: "CShaderc", path: "Sources/CShaderc",
            providers: [.apt(["libshaderc-dev", "glslang-dev", "spirv-tools"])]),
        .target(
            name: "VulkanRuntime",
            dependencies: ["CVulkan", "CShaderc", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "GGUF"),
        .target(name: "Tokenizer", dependencies: ["GGUF"]),
        .executableTarget(name: "ShaderEmbedder", path: "Tools/ShaderEmbedder"),
        .executableTarget(name: "make-tiny-model", dependencies: ["GGUF"], path: "Tools/make-tiny-model"),
        .plugin(
            name: "EmbedShaders", capability: .buildTool(),
            dependencies: ["ShaderEmbedder"], path: "Plugins/EmbedShaders"),
        .target(
            name: "Kernels", dependencies: ["VulkanRuntime", "GGUF"],
            plugins: ["EmbedShaders"]),
        .target(name: "KernelBench", dependencies: ["Kernels", "VulkanRuntime", "GGUF"]),
        .target(
            name: "Augur",
            dependencies: ["Kernels", "VulkanRuntime", "GGUF", "Tokenizer", .product(name: "Crypto", package: "swift-crypto")]),
        // Speculative-decoding benchmarks (prompt sets, HumanEval, reports): not part of the library an app links.
        .target(name: "SpeculativeBench", dependencies: ["Augur"]),
        .executableTarget(
            name: "augur",
            dependencies: ["Augur", "SpeculativeBench", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "augur-embedding-example", dependencies: ["Augur"], path: "Examples/Embedding"),
        .executableTarget(
            name: "augur-bench",
            dependencies: ["KernelBench", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // Skips that are counted (and failures under CI), model and golden-file lookup.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "GGUFTests", dependencies: ["GGUF", "TestSupport"]),
        .testTarget(name: "TokenizerTests", dependencies: ["Tokenizer", "GGUF", "TestSupport"]),
        .testTarget(name: "VulkanRuntimeTests", dependencies: ["VulkanRuntime", "TestSupport"]),
        .testTarget(name: "KernelTests", dependencies: ["Kernels", "KernelBench", "VulkanRuntime", "GGUF", "TestSupport"]),
        .testTarget(
            name: "AugurTests", dependencies: ["Augur", "SpeculativeBench", "Kernels", "GGUF", "Tokenizer", "TestSupport"],
            exclude: ["Fixtures"]),  // read from the source tree by path
        .testTarget(name: "AugurCLITests", dependencies: ["augur", "Augur", "GGUF", "TestSupport"]),
    ]
)
