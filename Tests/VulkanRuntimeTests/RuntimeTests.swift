import Foundation
import Synchronization
import TestSupport
import Testing
import VulkanRuntime

@Suite("Vulkan runtime")
struct RuntimeTests {
    static func device() throws -> VulkanDevice { try VulkanDevice.shared() }

    static func capabilities(_ name: String, _ kind: DeviceCapabilities.Kind) throws -> DeviceCapabilities {
        var caps = try device().capabilities
        caps.name = name
        caps.kind = kind
        return caps
    }

    @Test("Device choice prefers discrete over integrated over virtual over CPU, and AUGUR_DEVICE overrides it")
    func deviceChoice() throws {
        let devices = try [Self.capabilities("llvmpipe", .cpu), Self.capabilities("Intel UHD", .integrated),
                           Self.capabilities("NVIDIA H200", .discrete), Self.capabilities("virtio", .virtual)]
        #expect(try VulkanDevice.choose(among: devices, selector: nil) == 2)
        #expect(try VulkanDevice.choose(among: Array(devices.prefix(2)), selector: nil) == 1)
        #expect(try VulkanDevice.choose(among: [devices[0], devices[3]], selector: nil) == 1)
        #expect(try VulkanDevice.choose(among: devices, selector: "0") == 0)
        #expect(try VulkanDevice.choose(among: devices, selector: "intel") == 1)
        #expect(throws: VulkanError.deviceNotFound(selector: "radeon", available: devices.map(\.name))) {
            try VulkanDevice.choose(among: devices, selector: "radeon")
        }
    }

    @Test("An unknown device selector is a clear error, not a crash")
    func unknownDevice() {
        #expect {
            _ = try VulkanDevice(selector: "no-such-gpu")
        } throws: { error in
            "\(error)".contains("No device matches 'no-such-gpu'")
        }
    }

    @Test("The staging ring uploads and downloads more than its size, byte for byte")
    func stagingRing() throws {
        let device = try Self.device()
        let uploader = try Uploader(device: device, stagingBytes: 1 << 20)
        let values = (0..<900_001).map { UInt32(truncatingIfNeeded: $0 &* 2_654_435_761) }
        let buffer = try GPUBuffer(device: device, size: values.count * 4 + 64)
        try uploader.upload(values, to: buffer, offset: 64, path: .staging)
        #expect(try uploader.download(UInt32.self, from: buffer, count: values.count, offset: 64) == values)
    }

    @Test("Small buffers share memory blocks, and freed blocks go back to the driver")
    func suballocation() throws {
        let device = try VulkanDevice(selector: nil)
        var buffers = try (0..<300).map { _ in try GPUBuffer(device: device, size: 4096 + 13) }
        withExtendedLifetime(buffers) { #expect(device.allocator.blockCount == 1) }
        buffers.removeAll()
        #expect(device.allocator.blockCount == 0)
    }

    @Test("A buffer larger than device memory is an out-of-memory error")
    func outOfMemory() throws {
        let device = try Self.device()
        #expect {
            _ = try GPUBuffer(device: device, size: 1 << 42)
        } throws: { error in
            guard let error = error as? VulkanError else { return false }
            if case .outOfDeviceMemory = error { return true }
            return false
        }
    }

    @Test("A shader error names the file and line")
    func compileError() throws {
        let sources = ["broken/kernel.comp": "#version 450\n#include \"../common/ok.glsl\"\nvoid main() {\n  undefined_name = 1;\n}\n",
                       "common/ok.glsl": "// fine\n"]
        let library = PipelineLibrary(device: try Self.device(), sources: sources, cache: SPIRVCache(directory: nil))
        #expect {
            _ = try library.pipeline(PipelineKey(shader: "broken/kernel.comp", specialization: [], bindings: 0, pushConstantBytes: 0))
        } throws: { error in
            "\(error)".contains("broken/kernel.comp:4") && "\(error)".contains("undefined_name")
        }
        #expect(throws: VulkanError.shaderNotFound("missing.comp")) {
            _ = try library.pipeline(PipelineKey(shader: "missing.comp", specialization: [], bindings: 0, pushConstantBytes: 0))
        }
    }

    @Test("SPIR-V comes from the disk cache on a second start, and a changed include recompiles")
    func spirvCache() throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "augur-spirv-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var sources = ["k.comp": "#version 450\n#include \"inc.glsl\"\nlayout(local_size_x = 1) in;\nvoid main() { }\n",
                       "inc.glsl": "// v1\n"]
        let key = PipelineKey(shader: "k.comp", defines: ["X": "1"], specialization: [], bindings: 0, pushConstantBytes: 0)
        let first = PipelineLibrary(device: try Self.device(), sources: sources, cache: SPIRVCache(directory: folder))
        _ = try first.pipeline(key)
        #expect(first.statistics.compiled == 1)
        let second = PipelineLibrary(device: try Self.device(), sources: sources, cache: SPIRVCache(directory: folder))
        _ = try second.pipeline(key)
        #expect(second.statistics.compiled == 0 && second.statistics.loadedFromCache == 1)
        sources["inc.glsl"] = "// v2\n"
        let third = PipelineLibrary(device: try Self.device(), sources: sources, cache: SPIRVCache(directory: folder))
        _ = try third.pipeline(key)
        #expect(third.statistics.compiled == 1)
    }

    @Test("Threads asking for pipelines at once get one pipeline per key, each created once")
    func concurrentPipelines() throws {
        let sources = ["k.comp": "#version 450\nlayout(local_size_x = 1) in;\nlayout(constant_id = 0) const uint N = 1;\nvoid main() { }\n"]
        let library = PipelineLibrary(device: try Self.device(), sources: sources, cache: SPIRVCache(directory: nil))
        let keys = (1...4).map { PipelineKey(shader: "k.comp", specialization: [UInt32($0)], bindings: 0, pushConstantBytes: 0) }
        // 32 requests, 8 for each of 4 keys, from as many threads as the machine runs.
        let got = Mutex<[Int: [ObjectIdentifier]]>([:])
        DispatchQueue.concurrentPerform(iterations: 32) { i in
            let pipeline = try? library.pipeline(keys[i % 4])
            got.withLock { $0[i % 4, default: []].append(pipeline.map(ObjectIdentifier.init) ?? ObjectIdentifier(library)) }
        }
        let identities = got.withLock { $0 }
        #expect(identities.count == 4 && identities.values.allSatisfy { Set($0).count == 1 && $0.count == 8 })
        #expect(Set(identities.values.map { $0[0] }).count == 4)
        #expect(library.statistics.pipelinesCreated == 4)
    }

    @Test("A binding larger than maxStorageBufferRange is a device-limit error")
    func bindingLimit() throws {
        let device = try Self.device()
        let sources = ["k.comp": "#version 450\nlayout(local_size_x = 1) in;\nlayout(std430, binding = 0) buffer B { uint v[]; };\nvoid main() { v[0] = 1u; }\n"]
        let library = PipelineLibrary(device: device, sources: sources, cache: SPIRVCache(directory: nil))
        let pipeline = try library.pipeline(PipelineKey(shader: "k.comp", specialization: [], bindings: 1, pushConstantBytes: 0))
        let buffer = try GPUBuffer(device: device, size: 64)
        let sequence = try CommandSequence(device: device)
        try sequence.begin()
        let tooLarge = BufferRange(buffer: buffer, offset: 0, size: device.capabilities.maxStorageBufferRange + 4)
        #expect {
            try sequence.dispatch(pipeline, bindings: [tooLarge], push: (), groups: (1, 1, 1))
        } throws: { error in
            guard case .limitExceeded = error as? VulkanError else { return false }
            return true
        }
        try sequence.dispatch(pipeline, bindings: [buffer.range()], push: (), groups: (1, 1, 1))
        try sequence.end()
        try sequence.submitAndWait()
        #expect(try Uploader(device: device).download(UInt32.self, from: buffer, count: 1) == [1])
    }

    @Test("Texel-buffer bindings read the bytes a storage binding holds; a misaligned one is an error")
    func texelBindings() throws {
        let device = try Self.device()
        guard device.capabilities.texelBuffers else { try Skip.unsupported("texel buffers") }
        let sources = ["t.comp": """
            #version 450
            layout(local_size_x = 8) in;
            layout(binding = 0) uniform usamplerBuffer Words;
            layout(binding = 1) uniform samplerBuffer Floats;
            layout(std430, binding = 2) buffer Out { uvec4 y[]; };
            void main() {
                uint i = gl_GlobalInvocationID.x;
                y[i] = texelFetch(Words, int(i)) + floatBitsToUint(texelFetch(Floats, int(i)));
            }
            """]
        let library = PipelineLibrary(device: device, sources: sources, cache: SPIRVCache(directory: nil))
        let pipeline = try library.pipeline(PipelineKey(
            shader: "t.comp", specialization: [], bindings: 3, texels: [0: .rgba32ui, 1: .rgba32f], pushConstantBytes: 0))
        let uploader = try Uploader(device: device)
        let words = (0..<64).map { UInt32($0 * 7 + 1) }, floats = (0..<64).map { Float($0) * 0.5 }
        let a = try GPUBuffer(device: device, size: 256 + 256), b = try GPUBuffer(device: device, size: 256)
        let out = try GPUBuffer(device: device, size: 256)
        try uploader.upload(words, to: a, offset: 256)
        try uploader.upload(floats, to: b)
        let sequence = try CommandSequence(device: device)
        try sequence.begin()
        try sequence.dispatch(pipeline, bindings: [a.range(offset: 256), b.range(), out.range()], push: (), groups: (2, 1, 1))
        try sequence.end()
        try sequence.submitAndWait()
        let want = zip(words, floats).map { $0 &+ $1.bitPattern }
        #expect(try uploader.download(UInt32.self, from: out, count: 64) == want)
        try sequence.begin()
        #expect(throws: VulkanError.self) {
            try sequence.dispatch(pipeline, bindings: [a.range(offset: 4, size: 64), b.range(), out.range()], push: (), groups: (1, 1, 1))
        }
        #expect(throws: VulkanError.self) {
            try sequence.dispatch(pipeline, bindings: [a.range(offset: 0, size: 8), b.range(), out.range()], push: (), groups: (1, 1, 1))
        }
        try sequence.end()
    }

    @Test("Profiling attributes GPU time to each kernel variant and counts its dispatches")
    func profiling() throws {
        let device = try Self.device()
        guard device.capabilities.timestamps else { try Skip.unsupported("timestamps") }
        let sources = ["k.comp": "#version 450\nlayout(local_size_x = 1) in;\nlayout(std430, binding = 0) buffer B { uint v[]; };\nvoid main() { v[0] += VALUE; }\n"]
        let library = PipelineLibrary(device: device, sources: sources, cache: SPIRVCache(directory: nil))
        let one = try library.pipeline(PipelineKey(shader: "k.comp", defines: ["VALUE": "1u"], specialization: [], bindings: 1, pushConstantBytes: 0))
        let two = try library.pipeline(PipelineKey(shader: "k.comp", defines: ["VALUE": "2u"], specialization: [], bindings: 1, pushConstantBytes: 0))
        let buffer = try GPUBuffer(device: device, size: 64)
        try Uploader(device: device).upload([UInt32](repeating: 0, count: 16), to: buffer)
        let sequence = try CommandSequence(device: device)
        sequence.profiling = true
        try sequence.begin()
        for pipeline in [one, two, one] { try sequence.dispatch(pipeline, bindings: [buffer.range()], push: (), groups: (1, 1, 1)) }
        try sequence.end()
        try sequence.submitAndWait()
        let profile = try sequence.profile()
        #expect(profile.count == 2)
        #expect(profile.first { $0.shader == one.key.description }?.dispatches == 2)
        #expect(profile.first { $0.shader == two.key.description }?.dispatches == 1)
        #expect(profile.allSatisfy { $0.nanoseconds >= 0 })
        #expect(try Uploader(device: device).download(UInt32.self, from: buffer, count: 1) == [4])
    }

    @Test("GPU timestamps measure a recorded range")
    func timestamps() throws {
        let device = try Self.device()
        guard device.capabilities.timestamps else { try Skip.unsupported("timestamps") }
        let source = try GPUBuffer(device: device, size: 8 << 20), destination = try GPUBuffer(device: device, size: 8 << 20)
        let sequence = try CommandSequence(device: device)
        try sequence.begin()
        let start = sequence.timestamp()!
        try sequence.copy(from: source, to: destination, bytes: 8 << 20)
        let end = sequence.timestamp()!
        try sequence.end()
        try sequence.submitAndWait()
        #expect(try sequence.elapsedNanoseconds(from: start, to: end) > 0)
    }
}
