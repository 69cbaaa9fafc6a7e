import ArgumentParser
import Foundation
import KernelBench
import Kernels
import VulkanRuntime

@main
struct AugurBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "augur-bench",
        abstract: "Kernel microbenchmarks: each kernel is checked against its CPU reference, then timed with GPU timestamps.")

    @Flag(help: "Print one JSON object per line instead of a table.")
    var json = false

    @Option(help: "Run only the cases whose name contains this text (e.g. q4_k, matvec, verify_cost).")
    var filter: String?

    @Option(help: "Timed iterations per case (the median is reported).")
    var iterations = 10

    @Option(help: "Warm-up iterations per case.")
    var warmup = 2

    @Flag(help: "Skip the verify-cost curve.")
    var noVerifyCost = false

    @Flag(help: "List the cases and exit.")
    var list = false

    @Option(help: "The Vulkan device: an index or part of its name (default: AUGUR_DEVICE, else the best device).")
    var device: String?

    @Option(help: "Matvec variant: lanes that share one row (default: AUGUR_MATVEC's, else the device's preferred).")
    var lanesPerRow: Int?

    @Option(help: "Matvec variant: columns per pass over the weights.")
    var columnsPerPass: Int?

    @Option(help: "Matvec variant: workgroup size.")
    var workgroupSize: Int?

    @Option(help: "Matvec variant: rows each lane computes (in passes of several columns too, unless --batch-rows-per-lane).")
    var rowsPerLane: Int?

    @Option(help: "Matvec variant: rows each lane computes in passes of several columns.")
    var batchRowsPerLane: Int?

    @Option(help: "Matvec variant: read the weight planes as texel buffers (true/false; default: the device's preferred).")
    var texelPlanes: Bool?

    @Option(help: "Matvec variant: read the input vectors as a texel buffer (true/false).")
    var texelInput: Bool?

    func run() throws {
        do {
            try benchmark(options: options(environment: ProcessInfo.processInfo.environment))
        } catch let error as ExitCode {
            throw error
        } catch {
            FileHandle.standardError.write(Data("augur-bench: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// The kernels' options: `environment`'s settings (`KernelOptions(environment:)`), then the flags over them.
    func options(environment: [String: String]) throws -> KernelOptions {
        var options = try KernelOptions(environment: environment)
        if let device { options.device = device }
        var m = options.matVec
        if let lanesPerRow { m.lanesPerRow = lanesPerRow }
        if let columnsPerPass { m.columnsPerPass = columnsPerPass }
        if let workgroupSize { m.workgroupSize = workgroupSize }
        // --rows-per-lane sets the rows a lane of batches too, unless --batch-rows-per-lane does.
        if let rowsPerLane { (m.rowsPerLane, m.batchRowsPerLane) = (rowsPerLane, batchRowsPerLane) }
        if let batchRowsPerLane { m.batchRowsPerLane = batchRowsPerLane }
        if let texelPlanes { m.texelPlanes = texelPlanes }
        if let texelInput { m.texelInput = texelInput }
        options.matVec = m
        return options
    }

    func benchmark(options: KernelOptions) throws {
        let library = try KernelLibrary.shared(options: options)
        let matVec = options.matVec.applied(to: MatVec.Configuration.preferred(for: library.device.capabilities))
        if list {
            for c in KernelBenchmark.cases(matVec: matVec) { print(c.name) }
            print("verify_cost.<type> (1...16 columns)")
            return
        }
        var options = KernelBenchmark.Options(filter: filter)
        options.timer = GPUTimer(iterations: iterations, warmup: warmup)
        options.verifyCost = !noVerifyCost
        options.matVec = matVec
        let caps = library.device.capabilities
        if !json {
            print("device: \(caps.name) (\(caps.kind.rawValue)), subgroup \(caps.subgroupSize); matvec lanes/row \(matVec.lanesPerRow), columns/pass \(matVec.columnsPerPass), workgroup \(matVec.workgroupSize), rows/lane \(matVec.rowsPerLane) (\(matVec.batchRowsPerLane) in batches), texel planes \(matVec.texelPlanes), texel input \(matVec.texelInput)")
            print(pad("kernel", 22) + pad("shape", 44) + pad("us", 12) + pad("GB/s", 9) + pad("GFLOP/s", 9) + "% roofline")
        }
        var failures = 0
        let roofline = try KernelBenchmark(library: library, options: options).run(emit: { record in
            if json {
                print(record.json)
            } else if let k = record.columns {
                print(pad("verify_cost.\(record.variant)", 22) + pad("\(record.shape) k=\(k)", 44)
                      + pad(String(format: "%.1f", record.microseconds), 12) + "x" + String(format: "%.2f", record.relativeToOneColumn ?? 0))
            } else {
                print(pad("\(record.kernel).\(record.variant)", 22) + pad(record.shape, 44)
                      + pad(String(format: "%.1f", record.microseconds), 12) + pad(String(format: "%.3f", record.gbPerS ?? 0), 9)
                      + pad(String(format: "%.3f", record.gflopPerS ?? 0), 9) + String(format: "%.1f", record.percentOfRoofline ?? 0))
            }
            try? FileHandle.standardOutput.synchronize()
        }, failure: { error in
            failures += 1
            FileHandle.standardError.write(Data("augur-bench: \(error)\n".utf8))
        })
        let stats = library.pipelines.statistics
        FileHandle.standardError.write(Data("roofline (copy): \(String(format: "%.2f", roofline)) GB/s; shaders compiled \(stats.compiled), loaded from cache \(stats.loadedFromCache), pipelines \(stats.pipelinesCreated)\n".utf8))
        if failures > 0 { throw ExitCode(1) }
    }

    func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }
}
