#version 450
// Dequantizing matrix x vectors: Y[c][row] = sum_k W[row][k] * X[c][k] for NCOLS columns.
// A workgroup computes WORKGROUP_SIZE / LANES_PER_ROW rows for NCOLS columns from one read of the
// weights. Every column's sum is formed by the same operations in the same order whatever NCOLS
// is, so a column's result is bit-for-bit the same in a batch of any size (tested).
// Defines: W_<TYPE>. Specialization: 0 workgroup size, 1 subgroup size, 2 lanes per row
// (power of two <= subgroup size), 3 columns (the loops over columns unroll completely).
#include "../common/header.glsl"

layout(constant_id = 2) const uint LANES_PER_ROW = 1;
layout(constant_id = 3) const uint NCOLS = 8;

layout(std430, binding = 0) readonly buffer QuantPlane { uvec4 A[]; };
layout(std430, binding = 1) readonly buffer SidePlane { uint B[]; };
layout(std430, binding = 2) readonly buffer Input { vec4 X[]; };
layout(std430, binding = 3) writeonly buffer Output { float Y[]; };

layout(push_constant) uniform Params {
    uint rows;          // rows of W in this dispatch
    uint ncols;         // columns of X (NCOLS; kept for validation)
    uint unitsPerRow;   // K / 32
    uint groupsPerRow;  // ceil(unitsPerRow / UNITS_PER_GROUP)
    uint xStride4;      // vec4s between columns of X
    uint xOffset4;      // first vec4 of X
    uint yStride;       // floats between columns of Y
    uint yOffset;       // first float of Y
} p;

#include "../quant/dequant.glsl"

void main() {
    const uint rowsPerWorkgroup = WORKGROUP_SIZE / LANES_PER_ROW;
    uint t = gl_LocalInvocationID.x;
    uint row = gl_WorkGroupID.x * rowsPerWorkgroup + t / LANES_PER_ROW;
    uint slice = t % LANES_PER_ROW;
    uint col0 = gl_WorkGroupID.y * NCOLS;
    bool inRange = row < p.rows;

    float acc[NCOLS];
    for (uint c = 0; c < NCOLS; ++c) acc[c] = 0.0;
    if (inRange) {
        for (uint u = slice; u < p.unitsPerRow; u += LANES_PER_ROW) {
            vec4 w[8];
            dequant_unit(row, u, w);
            uint xb = p.xOffset4 + col0 * p.xStride4 + u * 8u;
            for (uint c = 0; c < NCOLS; ++c) {
                uint xi = xb + c * p.xStride4;
                vec4 s = w[0] * X[xi];
                for (uint j = 1; j < 8; ++j) s = fma(w[j], X[xi + j], s);
                acc[c] += (s.x + s.y) + (s.z + s.w);
            }
        }
    }
    // Butterfly over the lanes that share a row; every lane ends with the same, order-fixed sum.
    for (uint offset = LANES_PER_ROW / 2; offset > 0; offset >>= 1) {
        for (uint c = 0; c < NCOLS; ++c) acc[c] += subgroupShuffleXor(acc[c], offset);
    }
    if (inRange && slice == 0) {
        for (uint c = 0; c < NCOLS; ++c) Y[p.yOffset + (col0 + c) * p.yStride + row] = acc[c];
    }
}
