import Foundation
import GGUF
import Kernels
import Testing
@testable import Augur

@Suite("Engine options and errors")
struct EngineOptionsTests {
    @Test("An environment sets the model folder, the requantization cache, the fused forms and the kernels' options")
    func environment() throws {
        let options = try EngineOptions(environment: [
            "HOME": "/h", "AUGUR_MODELS": "/models", "AUGUR_NORM": "separate", "AUGUR_SWIGLU": "fused",
            "AUGUR_DEVICE": "1", "AUGUR_MATVEC": "rows=2",
        ])
        #expect(options.modelDirectory.path == "/models")
        #expect(options.modelStore.directory.path == "/models")
        #expect(options.requantizationCacheDirectory?.path == "/h/.cache/augur/requantized")
        #expect(options.fusesNorm == false && options.fusesSwiGLU == true)
        #expect(options.kernels == KernelOptions(device: "1", spirvCacheDirectory: URL(fileURLWithPath: "/h/.cache/augur/spirv"),
                                                 matVec: MatVec.Overrides(rowsPerLane: 2)))
        let bare = try EngineOptions(environment: ["HOME": "/h", "AUGUR_REQUANTIZATION_CACHE": "0"])
        #expect(bare.modelDirectory.path == "/h/.cache/augur/models")
        #expect(bare.requantizationCacheDirectory == nil && bare.fusesNorm == nil && bare.fusesSwiGLU == nil)
    }

    @Test("A setting that cannot be read, the kernels' too, is a ModelError that names it")
    func badSettings() {
        #expect(throws: ModelError.invalidOption(name: "AUGUR_REQUANTIZATION_CACHE", value: "no", reason: "use 0 (off) or 1 (on)")) {
            try EngineOptions(environment: ["AUGUR_REQUANTIZATION_CACHE": "no"])
        }
        #expect(throws: ModelError.invalidOption(name: "AUGUR_MATVEC", value: "lane=4",
                                                 reason: "matvec configuration 'lane=4': unknown key 'lane' (lanes, rows, batch-rows, workgroup, columns, texel-planes, texel-input)")) {
            try EngineOptions(environment: ["AUGUR_MATVEC": "lane=4"])
        }
    }

    @Test("A model's kernels follow the options it is loaded with")
    func optionsReachTheKernels() throws {
        let options = EngineOptions(kernels: KernelOptions(attention: Attention.Overrides(slotsPerStep: 8)))
        let model = try Model(path: try TinyModels.path(), options: options)
        #expect(model.kernels.attention.configuration.slotsPerStep == 8)
        #expect(model.kernels.library === (try KernelLibrary.shared(options: options.kernels)))
    }

    @Test("A device or runtime failure reaches the model's caller as a ModelError, not as a runtime error")
    func errorTypes() throws {
        let noDevice = EngineOptions(kernels: KernelOptions(device: "no-such-gpu"))
        #expect { _ = try Model(path: try TinyModels.path(), options: noDevice) } throws: { error in
            guard case ModelError.kernels(.device(.deviceNotFound(let selector, _))) = error else { return false }
            return selector == "no-such-gpu"
        }
        #expect { _ = try Devices.chosen(options: noDevice) } throws: { $0 is ModelError }
        var huge = RandomModel()
        huge.contextLength = 1 << 30
        let big = try Model(path: try TinyModels.path(huge, name: "huge-context"))
        #expect { _ = try big.makeSession(context: 1 << 29) } throws: { error in
            guard case ModelError.kernels(.device(.outOfDeviceMemory)) = error else { return false }
            return true
        }
    }

    @Test("The libraries read no environment variables: only the executables and tests do")
    func noEnvironmentInLibraries() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appending(path: "../../Sources").standardizedFileURL
        for library in ["VulkanRuntime", "Kernels", "Augur", "GGUF", "Tokenizer", "KernelBench"] {
            let folder = sources.appending(path: library)
            let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
            #expect(!files.isEmpty, "\(library)")
            for file in files where file.pathExtension == "swift" {
                let text = try String(contentsOf: file, encoding: .utf8)
                #expect(!text.contains("processInfo.environment") && !text.contains("getenv("), "\(file.path)")
            }
        }
    }
}
