#version 450
// Dequantizing matrix x vectors: Y[c][row] = sum_k W[row][k] * X[c][k] for NCOLS columns.
// A workgroup computes ROWS_PER_LANE * WORKGROUP_SIZE / LANES_PER_ROW rows for NCOLS columns from
// one read of the weights. Every column's sum is formed by the same operations in the same order whatever NCOLS
// is, so a column's result is bit-for-bit the same in a batch of any size (tested). No contraction:
// `precise` on the sums (acc, which covers s, xs and the transformed input; the norm's; each
// output's bias and residual adds) keeps a driver from fusing a product into an add in one
// pipeline and not in another; products and sums are separate operations (glslang cannot mark
// an fma() precise).
// Defines: W_<TYPE> (a type whose file defines UNIT_SCALE gives each unit's integers and their scale
// and offset, Shaders/quant/README.md: a unit's sum of q * x is scaled once, not every weight);
// TEXEL_PLANES and TEXEL_INPUT read the weights and X as texel buffers; ACCUMULATE adds the result
// to Y (a residual connection); BIAS adds bias[row] (binding 4). Either way each output is one more
// float add after the same sum, so the bits equal a separate add kernel's. NORM_INPUT=<binding>
// multiplies by G (that binding) the RMS-normalised X: the RMSNorm before a projection, without a
// dispatch and a buffer of its own. SWIGLU_INPUT reads silu(X[c][k]) * X[c][k + gate-to-up], a
// feed-forward's gate and up halves, where it read X: SwiGLU without a pass of its own (the same
// expression as elementwise.comp's). Specialization:
// 0 workgroup size, 1 subgroup size, 2 lanes per row (power of two <= subgroup size), 3 columns
// (the loops over columns unroll completely), 4 rows per lane (each broadcast input value serves
// that many rows).
#include "../common/header.glsl"
#extension GL_EXT_control_flow_attributes : require

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
#ifdef NORM_INPUT
#ifdef TEXEL_INPUT
layout(binding = NORM_INPUT) uniform samplerBuffer NormTexels;
#define LOAD_G(k) texelFetch(NormTexels, int(k))
#else
layout(std430, binding = NORM_INPUT) readonly buffer NormWeight { vec4 G[]; };
#define LOAD_G(k) G[k]
#endif
shared float normPartial[NCOLS * (WORKGROUP_SIZE / SUBGROUP_SIZE)];
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
    float eps;          // NORM_INPUT: RMSNorm's epsilon
    uint gateToUp4;     // SWIGLU_INPUT: vec4s from a column's gate half to its up half
} p;

#include "../quant/dequant.glsl"

// With one row per lane, every lane needs the same 8 vec4s of X per unit. On CPU devices a
// load per lane is a gather, so the first 8 lanes load one vec4 each and the subgroup shares them
// by a shuffle with a constant lane index, which llvmpipe compiles to one register permute (a
// subgroupBroadcast there searches for an active lane for every scalar). The values, and so the
// sums, are the same either way. Each shared value serves the lane's ROWS_PER_LANE rows.
// Every loop over rows and columns carries [[unroll]]: on CPU devices an array indexed by a
// counter of a loop left rolled becomes a gather and a scatter per lane.
const bool SHARE_INPUT = LANES_PER_ROW == 1 && SUBGROUP_SIZE >= 8;
const uint ROW_SLOTS = WORKGROUP_SIZE / LANES_PER_ROW;  // rows per workgroup per slot

// s[i] = sum of w[i][e] * x[e] over the unit's 32 elements e: one chain per row in element order
// (two with UNIT_HALF_SCALES, one a half), the same for every row and column count. Each row's
// running sum is one scalar, so a lane's rows keep their sums in registers while its dequantized
// weights stream from memory (CPU devices).
// With UNIT_OFFSET, xs sums the unit's x in element order per vec4 lane (the offset's factor).
// Each step is s + w * x, two roundings (the bits lavapipe's split fma gave).
#ifdef UNIT_OFFSET
#define XSUM_STEP(J, XJ) xs = (J == 0) ? (XJ) : xs + (XJ);
#else
#define XSUM_STEP(J, XJ)
#endif
// With UNIT_HALF_SCALES, sh keeps the first half's sum and s starts again at element 16.
#ifdef UNIT_HALF_SCALES
#define HALF_STEP(J) if (J == 4) { [[unroll]] for (uint i = 0; i < ROWS_PER_LANE; ++i) sh[i] = s[i]; }
#define CHAIN_START(J) (J == 0 || J == 4)
#else
#define HALF_STEP(J)
#define CHAIN_START(J) (J == 0)
#endif
#define DOT_STEP(J, XJ) XSUM_STEP(J, XJ) HALF_STEP(J) [[unroll]] for (uint e = 0; e < 4; ++e) [[unroll]] for (uint i = 0; i < ROWS_PER_LANE; ++i) s[i] = (CHAIN_START(J) && e == 0) ? w[i * 8u + J].x * (XJ).x : s[i] + w[i * 8u + J][e] * (XJ)[e];

#ifdef NORM_INPUT
// Column c's vec4 i of X, holding the row's vec4 k: (x * scale[c]) * g (RMSNorm's own form); g[k]
// is loaded once per unit for every column where lanes share the input.
#define LOAD_INPUT(i, c, gk) ((LOAD_X(i) * normScale[c]) * (gk))
#elif defined(SWIGLU_INPUT)
vec4 swiglu(vec4 gate, vec4 up) { precise vec4 y = (gate / (1.0 + exp(-gate))) * up; return y; }
#define LOAD_INPUT(i, c, gk) swiglu(LOAD_X(i), LOAD_X((i) + p.gateToUp4))
#else
#define LOAD_INPUT(i, c, gk) LOAD_X(i)
#endif

void main() {
    uint t = gl_LocalInvocationID.x;
    uint firstRow = gl_WorkGroupID.x * ROW_SLOTS * ROWS_PER_LANE;
    uint slice = t % LANES_PER_ROW;
    uint col0 = gl_WorkGroupID.y * NCOLS;
    uint lane = gl_SubgroupInvocationID;
    // Row slot i of this lane; lanes past the last row compute a copy of it (broadcasts need the
    // whole subgroup) and write nothing.
    uint rows[ROWS_PER_LANE];
    [[unroll]] for (uint i = 0; i < ROWS_PER_LANE; ++i) rows[i] = firstRow + i * ROW_SLOTS + t / LANES_PER_ROW;

#ifdef NORM_INPUT
    // Each column's 1 / sqrt(mean(x^2) + eps), formed by the whole workgroup in one order (lane
    // partials over vec4s t, t + WORKGROUP_SIZE, ..., each subgroup's sum, then the subgroups' in
    // index order): the same bits in every workgroup and pass, whatever the column count.
    const uint SUBGROUPS = WORKGROUP_SIZE / SUBGROUP_SIZE;
    precise float normScale[NCOLS];
    [[unroll]] for (uint c = 0; c < NCOLS; ++c) {
        precise float sum = 0.0;
        for (uint k = t; k < p.unitsPerRow * 8u; k += WORKGROUP_SIZE) {
            vec4 v = LOAD_X(p.xOffset4 + (col0 + c) * p.xStride4 + k);
            sum += v.x * v.x; sum += v.y * v.y; sum += v.z * v.z; sum += v.w * v.w;
        }
        sum = subgroupAdd(sum);
        if (gl_SubgroupInvocationID == 0) normPartial[c * SUBGROUPS + gl_SubgroupID] = sum;
    }
    barrier();
    [[unroll]] for (uint c = 0; c < NCOLS; ++c) {
        precise float sum = normPartial[c * SUBGROUPS];
        for (uint s = 1; s < SUBGROUPS; ++s) sum += normPartial[c * SUBGROUPS + s];
        normScale[c] = 1.0 / sqrt(sum / float(p.unitsPerRow * 32u) + p.eps);
    }
#endif
    precise float acc[ROWS_PER_LANE * NCOLS];
    [[unroll]] for (uint k = 0; k < ROWS_PER_LANE * NCOLS; ++k) acc[k] = 0.0;
    if (SHARE_INPUT || firstRow < p.rows) {
        for (uint u = slice; u < p.unitsPerRow; u += LANES_PER_ROW) {
            // w: the unit's weights, or with UNIT_SCALE its integers and so[i] their (scale, offset).
            vec4 w[ROWS_PER_LANE * 8];
#ifdef UNIT_SCALE
            vec2 so[ROWS_PER_LANE];
#endif
            [[unroll]] for (uint i = 0; i < ROWS_PER_LANE; ++i) {
                vec4 wi[8];
#ifdef UNIT_SCALE
                so[i] = quant_unit(min(rows[i], p.rows - 1u), u, wi);
#else
                dequant_unit(min(rows[i], p.rows - 1u), u, wi);
#endif
                [[unroll]] for (uint j = 0; j < 8; ++j) w[i * 8u + j] = wi[j];
            }
            uint xb = p.xOffset4 + col0 * p.xStride4 + u * 8u;
#ifdef NORM_INPUT
            vec4 gShared = SHARE_INPUT ? LOAD_G(u * 8u + min(lane, 7u)) : vec4(0.0);  // this lane's vec4 of norm weights
#endif
            [[unroll]] for (uint c = 0; c < NCOLS; ++c) {
                uint xi = xb + c * p.xStride4;
                precise float s[ROWS_PER_LANE];
#ifdef UNIT_OFFSET
                precise vec4 xs;
#endif
#ifdef UNIT_HALF_SCALES
                precise float sh[ROWS_PER_LANE];
#endif
                if (SHARE_INPUT) {
                    vec4 mine = LOAD_INPUT(xi + min(lane, 7u), c, gShared);
                    vec4 x;
                    x = subgroupShuffle(mine, 0u); DOT_STEP(0, x)
                    x = subgroupShuffle(mine, 1u); DOT_STEP(1, x)
                    x = subgroupShuffle(mine, 2u); DOT_STEP(2, x)
                    x = subgroupShuffle(mine, 3u); DOT_STEP(3, x)
                    x = subgroupShuffle(mine, 4u); DOT_STEP(4, x)
                    x = subgroupShuffle(mine, 5u); DOT_STEP(5, x)
                    x = subgroupShuffle(mine, 6u); DOT_STEP(6, x)
                    x = subgroupShuffle(mine, 7u); DOT_STEP(7, x)
                } else {
                    for (uint j = 0; j < 8; ++j) { vec4 x = LOAD_INPUT(xi + j, c, LOAD_G(u * 8u + j)); DOT_STEP(j, x) }
                }
                // A unit's scaled sums join acc one at a time, the scale's first (lavapipe's order).
#if defined(UNIT_HALF_SCALES)
                [[unroll]] for (uint i = 0; i < ROWS_PER_LANE; ++i) acc[i * NCOLS + c] = (acc[i * NCOLS + c] + so[i].x * sh[i]) + so[i].y * s[i];
#elif defined(UNIT_OFFSET)
                precise float xsum = (xs.x + xs.y) + (xs.z + xs.w);
                [[unroll]] for (uint i = 0; i < ROWS_PER_LANE; ++i) acc[i * NCOLS + c] = (acc[i * NCOLS + c] + so[i].x * s[i]) + so[i].y * xsum;
#elif defined(UNIT_SCALE)
                [[unroll]] for (uint i = 0; i < ROWS_PER_LANE; ++i) acc[i * NCOLS + c] += so[i].x * s[i];
#else
                [[unroll]] for (uint i = 0; i < ROWS_PER_LANE; ++i) acc[i * NCOLS + c] += s[i];
#endif
            }
        }
    }
    // Butterfly over the lanes that share a row; every lane ends with the same, order-fixed sum.
    for (uint offset = LANES_PER_ROW / 2; offset > 0; offset >>= 1) {
        [[unroll]] for (uint k = 0; k < ROWS_PER_LANE * NCOLS; ++k) acc[k] += subgroupShuffleXor(acc[k], offset);
    }
    [[unroll]] for (uint i = 0; i < ROWS_PER_LANE; ++i) {
        uint row = rows[i];
        if (row < p.rows && slice == 0) {
            [[unroll]] for (uint c = 0; c < NCOLS; ++c) {
                uint y = p.yOffset + (col0 + c) * p.yStride + row;
                precise float value = acc[i * NCOLS + c];
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
