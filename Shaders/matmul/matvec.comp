#version 450
// Dequantizing matrix x vectors: Y[c][row] = sum_k W[row][k] * X[c][k] for NCOLS columns.
// A workgroup computes ROWS_PER_LANE * WORKGROUP_SIZE / LANES_PER_ROW rows for NCOLS columns from
// one read of the weights. Every column's sum is formed by the same operations in the same order whatever NCOLS
// is, so a column's result is bit-for-bit the same in a batch of any size (tested).
// Defines: W_<TYPE>; TEXEL_PLANES and TEXEL_INPUT read the weights and X as texel buffers; ACCUMULATE adds the result to Y (a residual connection); BIAS adds
// bias[row] (binding 4). Either way each output is one more float add after the same sum, so the
// bits equal a separate add kernel's. Specialization: 0 workgroup size, 1 subgroup size, 2 lanes per row
// (power of two <= subgroup size), 3 columns (the loops over columns unroll completely), 4 rows per
// lane (each broadcast input value serves that many rows).
#include "../common/header.glsl"

layout(constant_id = 2) const uint LANES_PER_ROW = 1;
layout(constant_id = 3) const uint NCOLS = 8;
layout(constant_id = 4) const uint ROWS_PER_LANE = 1;

#include "../quant/planes.glsl"
#ifdef TEXEL_INPUT
layout(binding = 2) uniform samplerBuffer InputTexels;
#define LOAD_X(i) texelFetch(InputTexels, int(i))
#else
layout(std430, binding = 2) readonly buffer Input { vec4 X[]; };
#define LOAD_X(i) X[i]
#endif
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
// by broadcast. The values, and so the sums, are the same either way. Each broadcast value
// serves the lane's ROWS_PER_LANE rows.
const bool SHARE_INPUT = LANES_PER_ROW == 1 && SUBGROUP_SIZE >= 8;
const uint ROW_SLOTS = WORKGROUP_SIZE / LANES_PER_ROW;  // rows per workgroup per slot

// s[i] = sum_j w[i][j] * xj for the lane's rows i, in the same order for every row and column count.
#define DOT_STEP(J, XJ) for (uint i = 0; i < ROWS_PER_LANE; ++i) s[i] = (J == 0) ? w[i * 8u] * (XJ) : fma(w[i * 8u + J], (XJ), s[i]);

void main() {
    uint t = gl_LocalInvocationID.x;
    uint firstRow = gl_WorkGroupID.x * ROW_SLOTS * ROWS_PER_LANE;
    uint slice = t % LANES_PER_ROW;
    uint col0 = gl_WorkGroupID.y * NCOLS;
    uint lane = gl_SubgroupInvocationID;
    // Row slot i of this lane; lanes past the last row compute a copy of it (broadcasts need the
    // whole subgroup) and write nothing.
    uint rows[ROWS_PER_LANE];
    for (uint i = 0; i < ROWS_PER_LANE; ++i) rows[i] = firstRow + i * ROW_SLOTS + t / LANES_PER_ROW;

    float acc[ROWS_PER_LANE * NCOLS];
    for (uint k = 0; k < ROWS_PER_LANE * NCOLS; ++k) acc[k] = 0.0;
    if (SHARE_INPUT || firstRow < p.rows) {
        for (uint u = slice; u < p.unitsPerRow; u += LANES_PER_ROW) {
            vec4 w[ROWS_PER_LANE * 8];
            for (uint i = 0; i < ROWS_PER_LANE; ++i) {
                vec4 wi[8];
                dequant_unit(min(rows[i], p.rows - 1u), u, wi);
                for (uint j = 0; j < 8; ++j) w[i * 8u + j] = wi[j];
            }
            uint xb = p.xOffset4 + col0 * p.xStride4 + u * 8u;
            for (uint c = 0; c < NCOLS; ++c) {
                uint xi = xb + c * p.xStride4;
                vec4 s[ROWS_PER_LANE];
                if (SHARE_INPUT) {
                    vec4 mine = LOAD_X(xi + min(lane, 7u));
                    vec4 x;
                    x = subgroupBroadcast(mine, 0); DOT_STEP(0, x)
                    x = subgroupBroadcast(mine, 1); DOT_STEP(1, x)
                    x = subgroupBroadcast(mine, 2); DOT_STEP(2, x)
                    x = subgroupBroadcast(mine, 3); DOT_STEP(3, x)
                    x = subgroupBroadcast(mine, 4); DOT_STEP(4, x)
                    x = subgroupBroadcast(mine, 5); DOT_STEP(5, x)
                    x = subgroupBroadcast(mine, 6); DOT_STEP(6, x)
                    x = subgroupBroadcast(mine, 7); DOT_STEP(7, x)
                } else {
                    for (uint j = 0; j < 8; ++j) { vec4 x = LOAD_X(xi + j); DOT_STEP(j, x) }
                }
                for (uint i = 0; i < ROWS_PER_LANE; ++i) acc[i * NCOLS + c] += (s[i].x + s[i].y) + (s[i].z + s[i].w);
            }
        }
    }
    // Butterfly over the lanes that share a row; every lane ends with the same, order-fixed sum.
    for (uint offset = LANES_PER_ROW / 2; offset > 0; offset >>= 1) {
        for (uint k = 0; k < ROWS_PER_LANE * NCOLS; ++k) acc[k] += subgroupShuffleXor(acc[k], offset);
    }
    for (uint i = 0; i < ROWS_PER_LANE; ++i) {
        uint row = rows[i];
        if (row < p.rows && slice == 0) {
            for (uint c = 0; c < NCOLS; ++c) {
                uint y = p.yOffset + (col0 + c) * p.yStride + row;
                float value = acc[i * NCOLS + c];
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
}
