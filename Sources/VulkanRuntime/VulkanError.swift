import CVulkan

/// Every failure of the Vulkan layer, with a message a person can act on.
public enum VulkanError: Error, CustomStringConvertible, Equatable {
    case loaderUnavailable(String)
    case noDevice(String)
    case deviceNotFound(selector: String, available: [String])
    case noComputeQueue(device: String)
    case missingFeature(String)
    case outOfDeviceMemory(requestedBytes: Int)
    case outOfHostMemory
    case limitExceeded(what: String, value: Int, limit: Int)
    case shaderCompile(name: String, message: String)
    case shaderNotFound(String)
    case invalidArgument(String)
    case call(String, code: Int32)

    public var description: String {
        switch self {
        case .loaderUnavailable(let why):
            return "Vulkan is not available: \(why). Install libvulkan1 and a driver (mesa-vulkan-drivers gives the lavapipe CPU device)."
        case .noDevice(let why):
            return "No Vulkan device found (\(why)). Install a Vulkan driver; mesa-vulkan-drivers provides lavapipe, which runs on the CPU."
        case .deviceNotFound(let selector, let available):
            return "No device matches '\(selector)'. Available: \(available.enumerated().map { "\($0.offset): \($0.element)" }.joined(separator: ", "))"
        case .noComputeQueue(let device):
            return "Device \(device) has no compute queue."
        case .missingFeature(let what):
            return "The Vulkan device lacks a required feature: \(what)."
        case .outOfDeviceMemory(let bytes):
            return "Out of device memory while allocating \(bytes) bytes (\(bytes >> 20) MiB)."
        case .outOfHostMemory:
            return "Out of host memory in the Vulkan driver."
        case .limitExceeded(let what, let value, let limit):
            return "Device limit exceeded: \(what) is \(value), the device allows at most \(limit)."
        case .shaderCompile(let name, let message):
            return "Shader \(name) failed to compile:\n\(message)"
        case .shaderNotFound(let name):
            return "No shader source named \(name)."
        case .invalidArgument(let what):
            return "Invalid argument: \(what)"
        case .call(let name, let code):
            return "\(name) failed with VkResult \(code)."
        }
    }
}

/// Turns a VkResult into a thrown VulkanError.
@inline(__always)
func check(_ result: VkResult, _ call: @autoclosure () -> String, bytes: Int = 0) throws {
    switch result {
    case VK_SUCCESS, VK_INCOMPLETE:
        return
    case VK_ERROR_OUT_OF_DEVICE_MEMORY:
        throw VulkanError.outOfDeviceMemory(requestedBytes: bytes)
    case VK_ERROR_OUT_OF_HOST_MEMORY:
        throw VulkanError.outOfHostMemory
    case VK_ERROR_INCOMPATIBLE_DRIVER, VK_ERROR_INITIALIZATION_FAILED:
        throw VulkanError.noDevice("\(call()) returned \(result.rawValue)")
    default:
        throw VulkanError.call(call(), code: result.rawValue)
    }
}
