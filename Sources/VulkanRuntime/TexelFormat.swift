import CVulkan

/// The element format of a binding read as a uniform texel buffer (`samplerBuffer` in GLSL)
/// instead of a storage buffer. On CPU devices a texel fetch loads a whole element per lane
/// without the per-lane bounds checks of a storage-buffer load.
public enum TexelFormat: UInt32, Hashable, Sendable, CaseIterable {
    /// uvec4 per element (`usamplerBuffer`).
    case rgba32ui
    /// vec4 per element (`samplerBuffer`).
    case rgba32f
    /// uint per element (`usamplerBuffer`, `.x`).
    case r32ui
    /// float per element (`samplerBuffer`, `.x`).
    case r32f

    public var bytes: Int { self == .r32ui || self == .r32f ? 4 : 16 }

    var vkFormat: VkFormat {
        switch self {
        case .rgba32ui: return VK_FORMAT_R32G32B32A32_UINT
        case .rgba32f: return VK_FORMAT_R32G32B32A32_SFLOAT
        case .r32ui: return VK_FORMAT_R32_UINT
        case .r32f: return VK_FORMAT_R32_SFLOAT
        }
    }
}
