import Foundation
import KernelBench
import Kernels
import Testing
import VulkanRuntime

@Suite("Kernel options and errors")
struct KernelOptionsTests {
    @Test("An environment sets the device, shader folder, SPIR-V cache and tuning overrides")
    func environment() throws {
        let options = try KernelOptions(environment: [
            "AUGUR_DEVICE": "llvmpipe", "AUGUR_SHADER_DIR": "/work/shaders", "AUGUR_CACHE_DIR": "/tmp/augur-cache",
            "AUGUR_MATVEC": "lanes=16,batch-rows=2", "AUGUR_ATTENTION": "slots=16",
        ])
        #expect(options == KernelOptions(device: "llvmpipe", shaderDirectory: "/work/shaders",
                                         spirvCacheDirectory: URL(fileURLWithPath: "/tmp/augur-cache/spirv"),
                                         matVec: MatVec.Overrides(lanesPerRow: 16, batchRowsPerLane: 2),
                                         attention: Attention.Overrides(slotsPerStep: 16)))
        // The cache folder: AUGUR_CACHE_DIR, else XDG_CACHE_HOME/augur, else HOME/.cache/augur, else none.
        #expect(try KernelOptions(environment: ["XDG_CACHE_HOME": "/x", "HOME": "/h"]).spirvCacheDirectory?.path == "/x/augur/spirv")
        #expect(try KernelOptions(environment: ["HOME": "/h"]).spirvCacheDirectory?.path == "/h/.cache/augur/spirv")
        #expect(try KernelOptions(environment: ["HOME": "/h", "AUGUR_SPIRV_CACHE": "0"]).spirvCacheDirectory == nil)
        #expect(try KernelOptions(environment: [:]) == KernelOptions(spirvCacheDirectory: nil))
    }

    @Test("A setting that cannot be read is a KernelError that names it")
    func badSettings() {
        #expect(throws: KernelError.invalidOption(name: "AUGUR_SPIRV_CACHE", value: "off", reason: "use 0 (off) or 1 (on)")) {
            try KernelOptions(environment: ["AUGUR_SPIRV_CACHE": "off"])
        }
        #expect { try KernelOptions(environment: ["AUGUR_ATTENTION": "slots=x"]) } throws: { error in
            guard case KernelError.invalidOption(let name, let value, _) = error else { return false }
            return name == "AUGUR_ATTENTION" && value == "slots=x"
        }
    }

    @Test("Flags over AUGUR_MATVEC: rows set the batch rows too unless batch rows are named")
    func matVecOverrides() throws {
        let base = MatVec.Configuration(lanesPerRow: 32, columnsPerPass: 8, workgroupSize: 128, rowsPerLane: 1)
        let rows = MatVec.Overrides(rowsPerLane: 4).applied(to: base)
        #expect((rows.rowsPerLane, rows.batchRowsPerLane) == (4, 4))
        let both = MatVec.Overrides(rowsPerLane: 4, batchRowsPerLane: 2).applied(to: base)
        #expect((both.rowsPerLane, both.batchRowsPerLane) == (4, 2))
        #expect(MatVec.Overrides().applied(to: base) == base)
    }

    @Test("A runtime failure reaches the caller as KernelError.device, not as the runtime's own error")
    func runtimeFailures() throws {
        let library = try KernelLibrary.shared()
        #expect { _ = try library.buffer(UInt8.self, count: 1 << 42) } throws: { error in
            guard case KernelError.device(.outOfDeviceMemory) = error else { return false }
            return true
        }
        #expect { _ = try KernelLibrary.shared(options: KernelOptions(device: "no-such-gpu")) } throws: { error in
            guard case KernelError.device(.deviceNotFound(let selector, _)) = error else { return false }
            return selector == "no-such-gpu"
        }
        // A kernel's own check is a KernelError too.
        let sequence = try CommandSequence(device: library.device)
        let small = try library.buffer(Float.self, count: 4)
        #expect(throws: KernelError.invalidArgument("add of 64 elements overflows its buffers")) {
            try Elementwise(library: library).encode(sequence, .add, a: small, b: small, output: small, count: 64)
        }
    }

    @Test("A bench record with a NaN or infinite number encodes it as null instead of aborting")
    func nonFiniteBenchRecord() throws {
        let record = BenchRecord(kernel: "matvec", variant: "q4_0", shape: "1x1", microseconds: 0, gbPerS: .infinity,
                                 gflopPerS: .nan, percentOfRoofline: -.infinity)
        let json = record.json
        #expect(json == #"{"gb_per_s":null,"gflop_per_s":null,"kernel":"matvec","microseconds":0,"percent_of_roofline":null,"shape":"1x1","variant":"q4_0"}"#)
        let back = try JSONDecoder().decode(BenchRecord.self, from: Data(json.utf8))
        #expect(back.microseconds == 0 && back.gbPerS!.isNaN && back.gflopPerS!.isNaN && back.columns == nil)
    }
}
