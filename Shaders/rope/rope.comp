#version 450
// Rotary position embedding, in place on rows of [tokens][heads][headDim]. Each token's position
// comes from a buffer (so a recorded command buffer can run again at new positions); cos and sin
// come from a table computed on the CPU in double precision: [position][rotatedDims / 2] of
// (cos, sin). Pairs are (2i, 2i+1) normally and (i, i + rotatedDims/2) with NEOX defined.
// One invocation per pair, so a token's result never depends on how many tokens share the dispatch.
// No contraction: `precise` on the rotated pair (x0 c - x1 s, x0 s + x1 c: two products, one add),
// the same operations as rope_pair.glsl's, so rotating on load gives these bits on any driver.
#include "../common/header.glsl"

layout(std430, binding = 0) buffer Data { float V[]; };
layout(std430, binding = 1) readonly buffer Positions { uint pos[]; };
layout(std430, binding = 2) readonly buffer Table { vec2 cs[]; };

layout(push_constant) uniform Params {
    uint tokens;
    uint heads;
    uint headDim;
    uint rotatedDims;  // dims rotated per head (even, <= headDim)
    uint rowStride;    // floats between tokens
    uint offset;       // first float
    uint maxPosition;  // rows in the table
} p;

void main() {
    uint half_ = p.rotatedDims / 2u;
    uint id = gl_GlobalInvocationID.x;
    uint i = id % half_;
    uint head = (id / half_) % p.heads;
    uint token = id / (half_ * p.heads);
    if (token >= p.tokens) return;
    uint position = min(pos[token], p.maxPosition - 1u);
    vec2 c = cs[position * half_ + i];
    uint base = p.offset + token * p.rowStride + head * p.headDim;
#ifdef NEOX
    uint a = base + i, b = base + i + half_;
#else
    uint a = base + 2u * i, b = a + 1u;
#endif
    float x0 = V[a], x1 = V[b];
    precise float y0 = x0 * c.x - x1 * c.y, y1 = x0 * c.y + x1 * c.x;
    V[a] = y0;
    V[b] = y1;
}
