import CVulkan

/// What a Vulkan device is and what it can do: the facts kernels and the report need.
public struct DeviceCapabilities: Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case discrete = "discrete GPU", integrated = "integrated GPU", virtual = "virtual GPU", cpu = "CPU", other = "other"

        /// Preference when choosing a device: discrete over integrated over virtual over CPU.
        public var rank: Int {
            switch self {
            case .discrete: return 4
            case .integrated: return 3
            case .virtual: return 2
            case .cpu: return 1
            case .other: return 0
            }
        }
    }

    public struct MemoryHeap: Sendable {
        public var bytes: Int
        public var deviceLocal: Bool
    }

    public var index: Int
    public var name: String
    public var kind: Kind
    public var vendorID: UInt32
    public var deviceID: UInt32
    public var driverName: String
    public var driverInfo: String
    public var driverVersion: UInt32
    public var apiVersion: UInt32
    public var subgroupSize: Int
    public var minSubgroupSize: Int
    public var maxSubgroupSize: Int
    public var subgroupSizeControl: Bool
    public var subgroupArithmetic: Bool
    public var subgroupShuffle: Bool
    public var subgroupBallot: Bool
    public var shaderFloat16: Bool
    public var shaderInt8: Bool
    public var shaderInt64: Bool
    public var storage8Bit: Bool
    public var storage16Bit: Bool
    public var integerDotProduct: Bool
    public var pushDescriptors: Bool
    public var maxSharedMemoryBytes: Int
    public var maxStorageBufferRange: Int
    public var minStorageBufferOffsetAlignment: Int
    /// Whether every `TexelFormat` can back a uniform texel buffer.
    public var texelBuffers: Bool
    public var maxTexelBufferElements: Int
    public var minTexelBufferOffsetAlignment: Int
    public var maxMemoryAllocationCount: Int
    public var maxPushConstantsBytes: Int
    public var maxWorkgroupInvocations: Int
    public var maxWorkgroupCount: [Int]
    public var memoryHeaps: [MemoryHeap]
    public var timestamps: Bool
    public var timestampPeriodNanoseconds: Double

    public var apiVersionString: String {
        "\(apiVersion >> 22 & 0x7F).\(apiVersion >> 12 & 0x3FF).\(apiVersion & 0xFFF)"
    }

    /// Bytes of device-local memory in the largest device-local heap.
    public var deviceLocalBytes: Int {
        memoryHeaps.filter(\.deviceLocal).map(\.bytes).max() ?? 0
    }

    public var description: String {
        func yes(_ b: Bool) -> String { b ? "yes" : "no" }
        let heaps = memoryHeaps.map { "\($0.bytes >> 20) MiB\($0.deviceLocal ? " device-local" : "")" }
        return """
            device \(index): \(name) (\(kind.rawValue))
              driver: \(driverName) \(driverInfo), Vulkan \(apiVersionString)
              subgroup size: \(subgroupSize) (range \(minSubgroupSize)-\(maxSubgroupSize), control \(yes(subgroupSizeControl))), arithmetic \(yes(subgroupArithmetic)), shuffle \(yes(subgroupShuffle)), ballot \(yes(subgroupBallot))
              fp16: \(yes(shaderFloat16)), int8: \(yes(shaderInt8)), int64: \(yes(shaderInt64)), 8-bit storage: \(yes(storage8Bit)), 16-bit storage: \(yes(storage16Bit)), integer dot product: \(yes(integerDotProduct))
              shared memory: \(maxSharedMemoryBytes >> 10) KiB, max storage buffer range: \(maxStorageBufferRange >> 20) MiB, texel buffers: \(texelBuffers ? "\(maxTexelBufferElements >> 20)M elements" : "no"), max allocations: \(maxMemoryAllocationCount)
              push descriptors: \(yes(pushDescriptors)), push constants: \(maxPushConstantsBytes) B, workgroup invocations: \(maxWorkgroupInvocations)
              memory heaps: \(heaps.joined(separator: ", "))
              timestamps: \(yes(timestamps))\(timestamps ? " (period \(timestampPeriodNanoseconds) ns)" : "")
            """
    }
}

extension DeviceCapabilities.Kind {
    init(_ type: VkPhysicalDeviceType) {
        switch type {
        case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: self = .discrete
        case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: self = .integrated
        case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: self = .virtual
        case VK_PHYSICAL_DEVICE_TYPE_CPU: self = .cpu
        default: self = .other
        }
    }
}
