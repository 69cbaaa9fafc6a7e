import CVulkan
import Synchronization

/// A storage buffer carved out of a large memory block.
public final class GPUBuffer: @unchecked Sendable {
    public enum Location: Sendable {
        /// Fast memory for weights and activations; written through a staging upload unless mappable.
        case device
        /// Host-visible, coherent memory: parameters, staging, read-back.
        case host
    }

    public let device: VulkanDevice
    public let size: Int
    public let location: Location
    let handle: OpaquePointer
    let allocation: MemoryAllocator.Allocation
    /// Texel views of byte ranges, made on first use and kept for the buffer's life.
    private let views = Mutex<[TexelViewKey: OpaquePointer]>([:])

    /// Host pointer to the buffer's bytes when its memory is host-visible (always for `.host`;
    /// also for `.device` on unified-memory devices such as lavapipe), else nil.
    public var contents: UnsafeMutableRawPointer? {
        allocation.block.mapped.map { $0 + allocation.offset }
    }

    public init(device: VulkanDevice, size: Int, location: Location = .device) throws {
        guard size > 0 else { throw VulkanError.invalidArgument("buffer size must be positive, got \(size)") }
        self.device = device
        self.size = size
        self.location = location
        var info = VkBufferCreateInfo()
        info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO
        info.size = VkDeviceSize(size)
        info.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT.rawValue | VK_BUFFER_USAGE_TRANSFER_SRC_BIT.rawValue
            | VK_BUFFER_USAGE_TRANSFER_DST_BIT.rawValue
            | (device.capabilities.texelBuffers ? VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT.rawValue : 0)
        info.sharingMode = VK_SHARING_MODE_EXCLUSIVE
        var buffer: OpaquePointer?
        try check(vkCreateBuffer(device.handle, &info, nil, &buffer), "vkCreateBuffer", bytes: size)
        guard let buffer else { throw VulkanError.outOfDeviceMemory(requestedBytes: size) }
        var requirements = VkMemoryRequirements()
        vkGetBufferMemoryRequirements(device.handle, buffer, &requirements)
        let hostVisible = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT.rawValue | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT.rawValue
        let deviceLocal = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT.rawValue
        let type = location == .host
            ? device.memoryType(bits: requirements.memoryTypeBits, required: hostVisible,
                                preferred: VK_MEMORY_PROPERTY_HOST_CACHED_BIT.rawValue)
            : device.memoryType(bits: requirements.memoryTypeBits, required: deviceLocal)
                ?? device.memoryType(bits: requirements.memoryTypeBits, required: 0)
        guard let type else {
            vkDestroyBuffer(device.handle, buffer, nil)
            throw VulkanError.missingFeature("a memory type for \(location) buffers")
        }
        do {
            allocation = try device.allocator.allocate(
                size: Int(requirements.size), alignment: max(Int(requirements.alignment), 256), typeIndex: type)
        } catch {
            vkDestroyBuffer(device.handle, buffer, nil)
            throw error
        }
        try check(vkBindBufferMemory(device.handle, buffer, allocation.block.memory, VkDeviceSize(allocation.offset)),
                  "vkBindBufferMemory")
        handle = buffer
    }

    deinit {
        views.withLock { for view in $0.values { vkDestroyBufferView(device.handle, view, nil) } }
        vkDestroyBuffer(device.handle, handle, nil)
        device.allocator.release(allocation)
    }

    /// A texel view of `size` bytes at `offset` (made once, then reused).
    func texelView(offset: Int, size: Int, format: TexelFormat) throws -> OpaquePointer {
        let key = TexelViewKey(offset: offset, size: size, format: format)
        return try views.withLock { views in
            if let view = views[key] { return view }
            var info = VkBufferViewCreateInfo()
            info.sType = VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO
            info.buffer = handle
            info.format = format.vkFormat
            info.offset = VkDeviceSize(offset)
            info.range = VkDeviceSize(size)
            var view: OpaquePointer?
            try check(vkCreateBufferView(device.handle, &info, nil, &view), "vkCreateBufferView")
            guard let view else { throw VulkanError.call("vkCreateBufferView", code: -1) }
            views[key] = view
            return view
        }
    }

    /// The whole buffer, or a byte range of it, as a kernel binding.
    public func range(offset: Int = 0, size: Int? = nil) -> BufferRange {
        BufferRange(buffer: self, offset: offset, size: size ?? (self.size - offset))
    }

    /// Copies host values into a host-visible buffer. For device buffers use `Uploader`.
    public func write<T: BitwiseCopyable>(_ values: [T], at byteOffset: Int = 0) throws {
        guard let contents else { throw VulkanError.invalidArgument("buffer is not host-visible; use Uploader") }
        let bytes = values.count * MemoryLayout<T>.stride
        guard byteOffset + bytes <= size else {
            throw VulkanError.invalidArgument("write of \(bytes) bytes at \(byteOffset) overflows a \(size)-byte buffer")
        }
        values.withUnsafeBytes { (contents + byteOffset).copyMemory(from: $0.baseAddress!, byteCount: bytes) }
    }

    /// Reads values from a host-visible buffer.
    public func read<T: BitwiseCopyable>(_ type: T.Type = T.self, count: Int, at byteOffset: Int = 0) throws -> [T] {
        guard let contents else { throw VulkanError.invalidArgument("buffer is not host-visible; copy it to a host buffer first") }
        guard byteOffset + count * MemoryLayout<T>.stride <= size else {
            throw VulkanError.invalidArgument("read of \(count) values at \(byteOffset) overflows a \(size)-byte buffer")
        }
        return [T](unsafeUninitializedCapacity: count) { out, n in
            UnsafeMutableRawBufferPointer(out).copyMemory(
                from: UnsafeRawBufferPointer(start: contents + byteOffset, count: count * MemoryLayout<T>.stride))
            n = count
        }
    }
}

/// A byte range of a buffer bound to one kernel binding.
public struct BufferRange: @unchecked Sendable {
    public let buffer: GPUBuffer
    public let offset: Int
    public let size: Int

    public init(buffer: GPUBuffer, offset: Int, size: Int) {
        self.buffer = buffer
        self.offset = offset
        self.size = size
    }
}

struct TexelViewKey: Hashable {
    var offset: Int
    var size: Int
    var format: TexelFormat
}
