@_exported import struct VulkanRuntime.DeviceCapabilities
import VulkanRuntime

/// The Vulkan devices Augur can run on.
public enum Devices {
    /// Every device on the machine, in enumeration order.
    public static func all() throws -> [DeviceCapabilities] {
        try VulkanDevice.available()
    }

    /// The device Augur opens: `AUGUR_DEVICE` (index or name substring) if set, else the best
    /// kind (discrete GPU, then integrated, virtual, CPU).
    public static func chosen() throws -> DeviceCapabilities {
        try VulkanDevice.shared().capabilities
    }
}
