import Kernels
import VulkanRuntime

/// A benchmark: what it is, what one execution moves and computes, and how to set it up.
public struct BenchCase: Sendable {
    public var kernel: String
    public var variant: String
    public var shape: String
    /// Bytes one execution must read and write at least (weights in their GGUF size).
    public var bytes: Double
    public var flops: Double
    /// Builds inputs, returns the check against the CPU reference and the recording of one execution.
    public var make: @Sendable (KernelLibrary) throws -> Prepared

    public struct Prepared {
        public var validate: () throws -> Void
        public var record: (CommandSequence) throws -> Void

        public init(validate: @escaping () throws -> Void, record: @escaping (CommandSequence) throws -> Void) {
            self.validate = validate
            self.record = record
        }
    }

    public var name: String { "\(kernel).\(variant) \(shape)" }

    public init(kernel: String, variant: String, shape: String, bytes: Double, flops: Double,
                make: @escaping @Sendable (KernelLibrary) throws -> Prepared) {
        self.kernel = kernel
        self.variant = variant
        self.shape = shape
        self.bytes = bytes
        self.flops = flops
        self.make = make
    }
}

/// Runs one command sequence and waits.
func execute(_ library: KernelLibrary, _ record: (CommandSequence) throws -> Void) throws {
    let sequence = try CommandSequence(device: library.device, timestampCapacity: 0)
    try sequence.begin()
    try record(sequence)
    try sequence.end()
    try sequence.submitAndWait()
}

/// Throws a ValidationFailure naming the worst element when |got - want| > tolerance.
func check(_ name: String, got: [Float], want: [Float], tolerance: (Int) -> Float) throws {
    for i in want.indices where !(abs(got[i] - want[i]) <= tolerance(i)) {
        throw ValidationFailure(name: name, detail: "element \(i): \(got[i]) vs \(want[i])")
    }
}
