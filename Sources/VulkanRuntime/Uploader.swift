import Foundation

/// Moves bytes between the host and device buffers. Device memory that the host can map (unified
/// memory, lavapipe) is written directly; other memory goes through a ring of two host-visible
/// staging halves, so the CPU fills one half while the GPU copies the other.
public final class Uploader: @unchecked Sendable {
    public enum Path: Sendable { case automatic, staging }

    public let device: VulkanDevice
    public let stagingBytes: Int
    private let staging: GPUBuffer
    private let slots: [CommandSequence]
    private let lock = NSLock()

    public init(device: VulkanDevice, stagingBytes: Int = 16 << 20) throws {
        self.device = device
        self.stagingBytes = stagingBytes
        staging = try GPUBuffer(device: device, size: stagingBytes, location: .host)
        slots = try (0..<2).map { _ in try CommandSequence(device: device, timestampCapacity: 0) }
    }

    /// Writes `bytes` into `buffer` at `offset`.
    public func upload(_ bytes: UnsafeRawBufferPointer, to buffer: GPUBuffer, offset: Int = 0, path: Path = .automatic) throws {
        guard offset >= 0, offset + bytes.count <= buffer.size else {
            throw VulkanError.invalidArgument("upload of \(bytes.count) bytes at \(offset) into a \(buffer.size)-byte buffer")
        }
        guard bytes.count > 0 else { return }
        if path == .automatic, let contents = buffer.contents {
            (contents + offset).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            return
        }
        lock.lock()
        defer { lock.unlock() }
        let half = stagingBytes / 2
        var done = 0
        var slot = 0
        while done < bytes.count {
            let chunk = min(half, bytes.count - done)
            let sequence = slots[slot]
            try sequence.wait()  // this half is free once its previous copy has finished
            (staging.contents! + slot * half).copyMemory(from: bytes.baseAddress! + done, byteCount: chunk)
            try sequence.begin()
            try sequence.copy(from: staging, sourceOffset: slot * half, to: buffer, destinationOffset: offset + done, bytes: chunk)
            try sequence.end()
            try sequence.submit()
            done += chunk
            slot ^= 1
        }
        for sequence in slots { try sequence.wait() }
    }

    public func upload<T: BitwiseCopyable>(_ values: [T], to buffer: GPUBuffer, offset: Int = 0, path: Path = .automatic) throws {
        try values.withUnsafeBytes { try upload($0, to: buffer, offset: offset, path: path) }
    }

    /// Copies `count` values out of any buffer (through staging when it is not mappable).
    public func download<T: BitwiseCopyable>(_ type: T.Type = T.self, from buffer: GPUBuffer, count: Int, offset: Int = 0) throws -> [T] {
        let bytes = count * MemoryLayout<T>.stride
        guard offset + bytes <= buffer.size else {
            throw VulkanError.invalidArgument("download of \(bytes) bytes at \(offset) from a \(buffer.size)-byte buffer")
        }
        if buffer.contents != nil { return try buffer.read(T.self, count: count, at: offset) }
        lock.lock()
        defer { lock.unlock() }
        var out = [T](unsafeUninitializedCapacity: count) { _, n in n = count }
        var done = 0
        try out.withUnsafeMutableBytes { dst in
            while done < bytes {
                let chunk = min(stagingBytes, bytes - done)
                let sequence = slots[0]
                try sequence.begin()
                try sequence.copy(from: buffer, sourceOffset: offset + done, to: staging, bytes: chunk)
                try sequence.end()
                try sequence.submitAndWait()
                (dst.baseAddress! + done).copyMemory(from: staging.contents!, byteCount: chunk)
                done += chunk
            }
        }
        return out
    }
}
