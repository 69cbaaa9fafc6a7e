@_exported import struct VulkanRuntime.DeviceCapabilities
import VulkanRuntime

/// The Vulkan devices Augur can run on.
public enum Devices {
    /// Every device on the machine, in enumeration order.
    public static func all() throws -> [DeviceCapabilities] {
        try ModelError.wrapping { try VulkanDevice.available() }
    }

    /// The device Augur opens with `options`: the one `options.kernels.device` names (index or
    /// name substring), else the best kind (discrete GPU, then integrated, virtual, CPU).
    public static func chosen(options: EngineOptions = EngineOptions()) throws -> DeviceCapabilities {
        try ModelError.wrapping { try VulkanDevice.shared(selector: options.kernels.device).capabilities }
    }
}
