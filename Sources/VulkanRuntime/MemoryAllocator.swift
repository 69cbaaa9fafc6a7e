import CVulkan
import Foundation

/// Sub-allocates buffers out of large device-memory blocks, so a model with hundreds of tensors
/// stays far below `maxMemoryAllocationCount`. First-fit over a sorted free list per block,
/// with neighbours merged on release.
public final class MemoryAllocator: @unchecked Sendable {
    /// Default block size; a larger request gets a block of its own.
    public static let blockBytes = 256 << 20

    final class Block {
        let memory: OpaquePointer
        let size: Int
        let typeIndex: UInt32
        let mapped: UnsafeMutableRawPointer?
        /// Free ranges (offset, size), sorted by offset.
        var free: [(offset: Int, size: Int)]

        init(memory: OpaquePointer, size: Int, typeIndex: UInt32, mapped: UnsafeMutableRawPointer?) {
            self.memory = memory
            self.size = size
            self.typeIndex = typeIndex
            self.mapped = mapped
            self.free = [(0, size)]
        }

        func take(size: Int, alignment: Int) -> Int? {
            for (i, range) in free.enumerated() {
                let start = (range.offset + alignment - 1) / alignment * alignment
                let end = range.offset + range.size
                guard start + size <= end else { continue }
                free.remove(at: i)
                if end > start + size { free.insert((start + size, end - start - size), at: i) }
                if start > range.offset { free.insert((range.offset, start - range.offset), at: i) }
                return start
            }
            return nil
        }

        func give(offset: Int, size: Int) {
            let i = free.firstIndex { $0.offset > offset } ?? free.count
            free.insert((offset, size), at: i)
            // Merge with the next, then with the previous range.
            if i + 1 < free.count, free[i].offset + free[i].size == free[i + 1].offset {
                free[i].size += free[i + 1].size
                free.remove(at: i + 1)
            }
            if i > 0, free[i - 1].offset + free[i - 1].size == free[i].offset {
                free[i - 1].size += free[i].size
                free.remove(at: i)
            }
        }
    }

    struct Allocation {
        let block: Block
        let offset: Int
        let size: Int
    }

    private unowned let device: VulkanDevice
    private let lock = NSLock()
    private var blocks: [Block] = []

    init(device: VulkanDevice) {
        self.device = device
    }

    /// Number of VkDeviceMemory allocations currently held.
    public var blockCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return blocks.count
    }

    func allocate(size: Int, alignment: Int, typeIndex: UInt32) throws -> Allocation {
        lock.lock()
        defer { lock.unlock() }
        for block in blocks where block.typeIndex == typeIndex {
            if let offset = block.take(size: size, alignment: alignment) {
                return Allocation(block: block, offset: offset, size: size)
            }
        }
        let limit = device.capabilities.maxMemoryAllocationCount
        guard blocks.count < limit else {
            throw VulkanError.limitExceeded(what: "device memory allocations", value: blocks.count + 1, limit: limit)
        }
        let blockSize = max(Self.blockBytes, size)
        let block = try newBlock(size: blockSize, typeIndex: typeIndex)
        blocks.append(block)
        guard let offset = block.take(size: size, alignment: alignment) else {
            throw VulkanError.outOfDeviceMemory(requestedBytes: size)
        }
        return Allocation(block: block, offset: offset, size: size)
    }

    func release(_ allocation: Allocation) {
        lock.lock()
        defer { lock.unlock() }
        allocation.block.give(offset: allocation.offset, size: allocation.size)
        // Return a block to the driver once it is entirely free.
        let block = allocation.block
        if block.free.count == 1, block.free[0].size == block.size, let i = blocks.firstIndex(where: { $0 === block }) {
            blocks.remove(at: i)
            if block.mapped != nil { vkUnmapMemory(device.handle, block.memory) }
            vkFreeMemory(device.handle, block.memory, nil)
        }
    }

    func releaseAll() {
        lock.lock()
        defer { lock.unlock() }
        for block in blocks {
            if block.mapped != nil { vkUnmapMemory(device.handle, block.memory) }
            vkFreeMemory(device.handle, block.memory, nil)
        }
        blocks.removeAll()
    }

    private func newBlock(size: Int, typeIndex: UInt32) throws -> Block {
        var info = VkMemoryAllocateInfo()
        info.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO
        info.allocationSize = VkDeviceSize(size)
        info.memoryTypeIndex = typeIndex
        var memory: OpaquePointer?
        try check(vkAllocateMemory(device.handle, &info, nil, &memory), "vkAllocateMemory", bytes: size)
        guard let memory else { throw VulkanError.outOfDeviceMemory(requestedBytes: size) }
        var mapped: UnsafeMutableRawPointer?
        if device.memoryTypeFlags(typeIndex) & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT.rawValue != 0 {
            let result = vkMapMemory(device.handle, memory, 0, VkDeviceSize(VK_WHOLE_SIZE), 0, &mapped)
            if result != VK_SUCCESS {
                vkFreeMemory(device.handle, memory, nil)
                try check(result, "vkMapMemory", bytes: size)
            }
        }
        return Block(memory: memory, size: size, typeIndex: typeIndex, mapped: mapped)
    }
}
