import VulkanRuntime

/// Every failure of the kernels: a bad argument or setting, or the Vulkan runtime's own failure.
public enum KernelError: Error, CustomStringConvertible, Equatable {
    /// A shape, offset, buffer or configuration a kernel cannot take.
    case invalidArgument(String)
    /// A setting (`KernelOptions`) that cannot be read: its name, its value and why.
    case invalidOption(name: String, value: String, reason: String)
    /// Work that would pass a limit of the device the kernel runs on.
    case limitExceeded(what: String, value: Int, limit: Int)
    /// The Vulkan runtime failed (no device, out of memory, a shader that does not compile...).
    case device(VulkanError)

    public var description: String {
        switch self {
        case .invalidArgument(let what): "Invalid argument: \(what)"
        case .invalidOption(let name, let value, let reason): "\(name)=\(value): \(reason)"
        case .limitExceeded(let what, let value, let limit):
            "Device limit exceeded: \(what) is \(value), the device allows at most \(limit)."
        case .device(let error): error.description
        }
    }
}

/// Runs a call into the Vulkan runtime, reporting its failure as a `KernelError`.
@inline(__always)
func runtime<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as VulkanError {
        throw KernelError.device(error)
    }
}
