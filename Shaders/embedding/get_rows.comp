#version 450
// Embedding lookup: Y[t] = dequantize(W[ids[t]]) for each token t. One thread per 32-weight unit,
// so a token's row never depends on the other tokens; dequant.glsl's scale and offset are `precise`.
// Dispatched once per row chunk of the table (a binding holds at most maxStorageBufferRange
// bytes); a thread writes only when its token's row lies in the chunk.
#include "../common/header.glsl"

#include "../quant/planes.glsl"
layout(std430, binding = 2) readonly buffer Ids { uint ids[]; };
layout(std430, binding = 3) writeonly buffer Output { vec4 Y[]; };

layout(push_constant) uniform Params {
    uint tokens;
    uint unitsPerRow;
    uint groupsPerRow;
    uint firstRow;   // first table row in this chunk
    uint chunkRows;  // rows in this chunk
    uint yStride4;   // vec4s between tokens of Y
} p;

#include "../quant/dequant.glsl"

void main() {
    uint id = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WORKGROUP_SIZE;
    uint u = id % p.unitsPerRow, token = id / p.unitsPerRow;
    if (token >= p.tokens) return;
    uint row = ids[token];
    if (row < p.firstRow || row - p.firstRow >= p.chunkRows) return;
    vec4 w[8];
    dequant_unit(row - p.firstRow, u, w);
    uint y = token * p.yStride4 + u * 8u;
    for (uint i = 0; i < 8; ++i) Y[y + i] = w[i];
}
