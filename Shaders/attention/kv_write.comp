#version 450
// Writes new keys and values into one layer's fp16 KV cache.
// Sources are f32 rows, [tokens][kvHeads * headDim] at an offset and row stride (in floats); the
// caches are [capacity][kvHeads][headDim] halves packed two per uint (low half = even dim), at a
// word offset. Token t goes to cache slot slots[slotOffset + t]: the slots live in a buffer, not
// in push constants, so a recorded command buffer can be submitted again for new slots. A slot
// >= capacity is not written (the host cannot check slots it never sees).
// One invocation per (token, word): it converts two floats of K and two of V, so a token's
// cache words never depend on how many tokens share the dispatch. The rotation (rope_pair.glsl)
// is `precise`.
// With ROPE defined the keys are rotated on the way (rope_pair.glsl): token t at position
// positions[t], clamped to the table's maxPosition rows.
#include "../common/header.glsl"

layout(std430, binding = 0) readonly buffer Keys { float K[]; };
layout(std430, binding = 1) readonly buffer Values { float V[]; };
layout(std430, binding = 2) readonly buffer Slots { uint slots[]; };
layout(std430, binding = 3) writeonly buffer KeyCache { uint KC[]; };
layout(std430, binding = 4) writeonly buffer ValueCache { uint VC[]; };
#ifdef ROPE
layout(std430, binding = 5) readonly buffer Positions { uint positions[]; };
layout(std430, binding = 6) readonly buffer RopeTable { vec2 cs[]; };
#include "../rope/rope_pair.glsl"
ROPE_PAIR(rotated_key, K)
#endif

layout(push_constant) uniform Params {
    uint tokens;
    uint rowWords;      // kvHeads * headDim / 2: uints per cache slot
    uint kOffset;       // first float of K
    uint kStride;       // floats between tokens of K
    uint vOffset;       // first float of V
    uint vStride;       // floats between tokens of V
    uint slotOffset;    // first entry of slots[]
    uint capacity;      // slots in the cache
    uint kCacheOffset;  // first uint of the key cache
    uint vCacheOffset;  // first uint of the value cache
    uint headDim;       // floats per head (ROPE)
    uint ropeDims;      // rotated dims per head (ROPE)
    uint maxPosition;   // rows of the rope table (ROPE)
} p;

void main() {
    // Flat index folded over two axes (see Grid.swift).
    uint id = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WORKGROUP_SIZE;
    uint token = id / p.rowWords, w = id % p.rowWords;
    if (token >= p.tokens) return;
    uint slot = slots[p.slotOffset + token];
    if (slot >= p.capacity) return;
    uint k = p.kOffset + token * p.kStride + 2u * w;
    uint v = p.vOffset + token * p.vStride + 2u * w;
#ifdef ROPE
    uint d = (2u * w) % p.headDim;
    vec2 key = rotated_key(k - d, d, min(positions[token], p.maxPosition - 1u), p.ropeDims);
#else
    vec2 key = vec2(K[k], K[k + 1u]);
#endif
    KC[p.kCacheOffset + slot * p.rowWords + w] = packHalf2x16(key);
    VC[p.vCacheOffset + slot * p.rowWords + w] = packHalf2x16(vec2(V[v], V[v + 1u]));
}
