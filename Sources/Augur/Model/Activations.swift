import Kernels
import VulkanRuntime

/// The buffers of a forward pass for up to `capacity` tokens: activations on the device, and the
/// per-batch inputs (token ids, positions, cache slots, mask, KV length) in host-visible memory so
/// a recorded sequence can be submitted again with new values. Owned by one session.
final class Activations {
    let capacity: Int
    let maskStride: Int
    let x, h, queryKeyValue, attention, gateUp, gate, logits: GPUBuffer
    let ids, positions, slots, mask, params: GPUBuffer
    let argmaxIndex, argmaxValue, argmaxNormalizer, topIndices, topValues: GPUBuffer

    init(library: KernelLibrary, configuration c: ModelConfiguration, capacity: Int, context: Int) throws {
        self.capacity = capacity
        maskStride = context
        func device(_ floats: Int) throws -> GPUBuffer { try library.buffer(Float.self, count: floats) }
        func host(_ words: Int) throws -> GPUBuffer { try library.buffer(UInt32.self, count: words, location: .host) }
        x = try device(capacity * c.hidden)
        h = try device(capacity * c.hidden)
        queryKeyValue = try device(capacity * (c.heads + 2 * c.kvHeads) * c.headDim)
        attention = try device(capacity * c.heads * c.headDim)
        gateUp = try device(capacity * 2 * c.feedForward)
        gate = try device(capacity * c.feedForward)
        logits = try library.buffer(Float.self, count: capacity * c.vocabulary, location: .host)
        ids = try host(capacity)
        positions = try host(capacity)
        slots = try host(capacity)
        mask = try host(capacity * context)
        params = try host(4)
        argmaxIndex = try host(capacity)
        argmaxValue = try host(capacity)
        argmaxNormalizer = try host(capacity)
        topIndices = try host(capacity * TopK.maxK)
        topValues = try host(capacity * TopK.maxK)
    }
}
