#version 450
// Row-wise softmax with an inverse temperature: Y[r][i] = exp(s X[r][i] - m) / sum_j exp(s X[r][j] - m),
// m = max_j s X[r][j]. One workgroup per row, so a row's result never depends on how many rows share
// the dispatch. Three passes over the row: the max; exp written to Y and summed (compensated, so the
// sum of 151,936 terms keeps a few ulps); Y scaled by 1 / sum. Y may be X (same buffer and offset).
// Rows are read in units of four floats (vec4 loads when ALIGNED: every row of X and Y starts on a
// multiple of 4 floats; four scalar loads otherwise) plus a scalar tail of n % 4, with the same
// arithmetic either way, so the result never depends on alignment either. When the workgroup is
// one subgroup (the CPU choice) no barrier() runs. Loop iterations stay far below lavapipe's limit
// of 65,535 per shader: about n / (2 * WORKGROUP_SIZE) in all. No contraction: `precise` on the
// scaled logits, the exps and their compensated sum, the inverse and each output.
#include "../common/header.glsl"

layout(std430, binding = 0) readonly buffer Input { float X[]; };
layout(std430, binding = 0) readonly buffer Input4 { vec4 X4[]; };
layout(std430, binding = 1) buffer Output { float Y[]; };
layout(std430, binding = 1) buffer Output4 { vec4 Y4[]; };

layout(push_constant) uniform Params {
    uint n;        // elements per row
    uint rows;
    uint xStride;  // floats between rows of X
    uint xOffset;  // first float of X
    uint yStride;  // floats between rows of Y
    uint yOffset;  // first float of Y
    float scale;   // inverse temperature, applied to X first
} p;

const uint SUBGROUPS = WORKGROUP_SIZE / SUBGROUP_SIZE;
const uint UNROLL = 2;  // units per invocation per step; each pass's step is written out UNROLL times
const uint STEP = WORKGROUP_SIZE * UNROLL;
shared float partialMax[SUBGROUPS];
shared float partialSum[SUBGROUPS];

vec4 load(uint start, uint unit) {
#ifdef ALIGNED
    return X4[start / 4 + unit];
#else
    uint i = start + unit * 4;
    return vec4(X[i], X[i + 1], X[i + 2], X[i + 3]);
#endif
}

void store(uint start, uint unit, vec4 v) {
#ifdef ALIGNED
    Y4[start / 4 + unit] = v;
#else
    uint i = start + unit * 4;
    Y[i] = v.x; Y[i + 1] = v.y; Y[i + 2] = v.z; Y[i + 3] = v.w;
#endif
}

void scaleOutput(uint start, uint unit, float f) {
#ifdef ALIGNED
    precise vec4 y = Y4[start / 4 + unit] * f;
    Y4[start / 4 + unit] = y;
#else
    uint i = start + unit * 4;
    precise vec4 y = vec4(Y[i], Y[i + 1], Y[i + 2], Y[i + 3]) * f;
    Y[i] = y.x; Y[i + 1] = y.y; Y[i + 2] = y.z; Y[i + 3] = y.w;
#endif
}

void main() {
    uint row = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    if (row >= p.rows) return;  // uniform across the workgroup
    uint t = gl_LocalInvocationID.x;
    uint x0 = p.xOffset + row * p.xStride, y0 = p.yOffset + row * p.yStride;
    uint units = p.n / 4, tail = units * 4 + t;  // invocation t also takes element tail < n

    // Every pass takes UNROLL units a step, written out by hand: spirv-opt's [[unroll]] drops the
    // NoContraction decorations of the copies.
    vec4 m4 = vec4(-1.0 / 0.0);
#define MAX_STEP(unit_) if ((unit_) < units) { precise vec4 v = load(x0, unit_) * p.scale; m4 = max(m4, v); }
    for (uint base = t; base < units; base += STEP) {
        MAX_STEP(base)
        MAX_STEP(base + WORKGROUP_SIZE)
    }
    float m = max(max(m4.x, m4.y), max(m4.z, m4.w));
    if (tail < p.n) { precise float v = X[x0 + tail] * p.scale; m = max(m, v); }
    m = subgroupMax(m);
    if (SUBGROUPS > 1) {
        if (subgroupElect()) partialMax[gl_SubgroupID] = m;
        barrier();
        m = partialMax[0];
        for (uint g = 1; g < SUBGROUPS; ++g) m = max(m, partialMax[g]);
    }

    // Each unit's four terms are added as a pair of pairs, then into the invocation's sum with Kahan
    // compensation. `precise` keeps the compiler from folding the compensation away, and from fusing
    // differently in the aligned and unaligned pipelines.
    precise float sum = 0.0;
    precise float lost = 0.0;
#define KAHAN_ADD(term_) { precise float y_ = (term_) - lost; precise float s_ = sum + y_; lost = (s_ - sum) - y_; sum = s_; }
#define KAHAN_STEP(unit_) if ((unit_) < units) { \
        precise vec4 e = exp(load(x0, unit_) * p.scale - m); \
        store(y0, unit_, e); \
        precise float pairs = (e.x + e.y) + (e.z + e.w); \
        KAHAN_ADD(pairs) \
    }
    for (uint base = t; base < units; base += STEP) {
        KAHAN_STEP(base)
        KAHAN_STEP(base + WORKGROUP_SIZE)
    }
    if (tail < p.n) {
        precise float e = exp(X[x0 + tail] * p.scale - m);
        Y[y0 + tail] = e;
        KAHAN_ADD(e)
    }
    sum = subgroupAdd(sum) - subgroupAdd(lost);
    if (SUBGROUPS > 1) {
        if (subgroupElect()) partialSum[gl_SubgroupID] = sum;
        barrier();
        sum = partialSum[0];
        for (uint g = 1; g < SUBGROUPS; ++g) sum += partialSum[g];
    }

    precise float inverse = 1.0 / sum;
    for (uint base = t; base < units; base += STEP) {
        if (base < units) scaleOutput(y0, base, inverse);
        if (base + WORKGROUP_SIZE < units) scaleOutput(y0, base + WORKGROUP_SIZE, inverse);
    }
    if (tail < p.n) { precise float y = Y[y0 + tail] * inverse; Y[y0 + tail] = y; }
}
