#version 450
// Dequantizing matrix x vectors: Y[c][row] = sum_k W[row][k] * X[c][k] for NCOLS columns.
// A workgroup computes WORKGROUP_SIZE / LANES_PER_ROW rows for NCOLS columns from one read of the
// weights. Every column's sum is formed by the same operations in the same order whatever NCOLS
// is, so a column's result is bit-for-bit the same in a batch of any size (tested).
// Defines: W_<TYPE>; ACCUMULATE adds the result to Y (a residual connection); BIAS adds
// bias[row] (binding 4). Either way each output is one more float add after the same sum, so the
// bits equal a separate add kernel's. Specialization: 0 workgroup size, 1 subgroup size, 2 lanes per row
// (power of two <= subgroup size), 3 columns (the loops over columns unroll completely).
#include "../common/header.glsl"

layout(constant_id = 2) const uint LANES_PER_ROW = 1;
layout(constant_id = 3) const uint NCOLS = 8;

layout(std430, binding = 0) readonly buffer QuantPlane { uvec4 A[]; };
layout(std430, binding = 1) readonly buffer SidePlane { uint B[]; };
layout(std430, binding = 2) readonly buffer Input { vec4 X[]; };
#ifdef ACCUMULATE
layout(std430, binding = 3) buffer Output { float Y[]; };
#else
layout(std430, binding = 3) writeonly buffer Output { float Y[]; };
#endif
#ifdef BIAS
layout(std430, binding = 4) readonly buffer Bias { float bias[]; };
#endif

layout(push_constant) uniform Params {
    uint rows;          // rows of W in this dispatch
    uint ncols;         // columns of X (NCOLS; kept for validation)
    uint unitsPerRow;   // K / 32
    uint groupsPerRow;  // ceil(unitsPerRow / UNITS_PER_GROUP)
    uint xStride4;      // vec4s between columns of X
    uint xOffset4;      // first vec4 of X
    uint yStride;       // floats between columns of Y
    uint yOffset;       // first float of Y
    uint biasOffset;    // bias index of this dispatch's first row
} p;

#include "../quant/dequant.glsl"

// With one row per lane, every lane needs the same 8 vec4s of X per unit. On CPU devices a
// load per lane is a gather, so the first 8 lanes load one vec4 each and the subgroup shares them
// by broadcast. The values, and so the sums, are the same either way.
const bool SHARE_INPUT = LANES_PER_ROW == 1 && SUBGROUP_SIZE >= 8;

void main() {
    const uint rowsPerWorkgroup = WORKGROUP_SIZE / LANES_PER_ROW;
    uint t = gl_LocalInvocationID.x;
    uint firstRow = gl_WorkGroupID.x * rowsPerWorkgroup;
    uint row = firstRow + t / LANES_PER_ROW;
    uint slice = t % LANES_PER_ROW;
    uint col0 = gl_WorkGroupID.y * NCOLS;
    bool inRange = row < p.rows;
    // Lanes past the last row compute a copy of it (broadcasts need the whole subgroup) and write nothing.
    uint safeRow = min(row, p.rows - 1u);
    uint lane = gl_SubgroupInvocationID;

    float acc[NCOLS];
    for (uint c = 0; c < NCOLS; ++c) acc[c] = 0.0;
    if (SHARE_INPUT || firstRow < p.rows) {
        for (uint u = slice; u < p.unitsPerRow; u += LANES_PER_ROW) {
            vec4 w[8];
            dequant_unit(safeRow, u, w);
            uint xb = p.xOffset4 + col0 * p.xStride4 + u * 8u;
            for (uint c = 0; c < NCOLS; ++c) {
                uint xi = xb + c * p.xStride4;
                vec4 s;
                if (SHARE_INPUT) {
                    vec4 mine = X[xi + min(lane, 7u)];
                    s = w[0] * subgroupBroadcast(mine, 0);
                    s = fma(w[1], subgroupBroadcast(mine, 1), s);
                    s = fma(w[2], subgroupBroadcast(mine, 2), s);
                    s = fma(w[3], subgroupBroadcast(mine, 3), s);
                    s = fma(w[4], subgroupBroadcast(mine, 4), s);
                    s = fma(w[5], subgroupBroadcast(mine, 5), s);
                    s = fma(w[6], subgroupBroadcast(mine, 6), s);
                    s = fma(w[7], subgroupBroadcast(mine, 7), s);
                } else {
                    s = w[0] * X[xi];
                    for (uint j = 1; j < 8; ++j) s = fma(w[j], X[xi + j], s);
                }
                acc[c] += (s.x + s.y) + (s.z + s.w);
            }
        }
    }
    // Butterfly over the lanes that share a row; every lane ends with the same, order-fixed sum.
    for (uint offset = LANES_PER_ROW / 2; offset > 0; offset >>= 1) {
        for (uint c = 0; c < NCOLS; ++c) acc[c] += subgroupShuffleXor(acc[c], offset);
    }
    if (inRange && slice == 0) {
        for (uint c = 0; c < NCOLS; ++c) {
            uint y = p.yOffset + (col0 + c) * p.yStride + row;
            float value = acc[c];
#ifdef BIAS
            value = value + bias[p.biasOffset + row];
#endif
#ifdef ACCUMULATE
            value = Y[y] + value;
#endif
            Y[y] = value;
        }
    }
}
