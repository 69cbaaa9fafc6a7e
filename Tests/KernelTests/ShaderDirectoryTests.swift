import Foundation
import Kernels
import Testing
import VulkanRuntime

@Suite("Shader sources from a directory")
struct ShaderDirectoryTests {
    @Test("A shader directory gives every file by its path under it, and equals the embedded sources for Shaders/")
    func directoryMatchesEmbedded() throws {
        let shaders = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appending(path: "../../Shaders").standardizedFileURL.path
        let sources = try KernelLibrary.sources(under: shaders)
        #expect(sources["matmul/matvec.comp"] != nil)
        #expect(sources["quant/q4_k.glsl"] == KernelLibrary.shaderSources["quant/q4_k.glsl"])
        #expect(Set(KernelLibrary.shaderSources.keys).isSubset(of: Set(sources.keys)))
    }

    @Test("A missing or empty shader directory is an error that names it")
    func missingDirectory() throws {
        let empty = FileManager.default.temporaryDirectory.appending(path: "augur-empty-shaders-\(getpid())")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        for path in [empty.path, "/nonexistent/augur-shaders"] {
            #expect { try KernelLibrary.sources(under: path) } throws: { "\($0)".contains(path) }
        }
    }
}
