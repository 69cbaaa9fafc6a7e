#version 450
// Per row, the index and value of the maximum; ties go to the lowest index, as a CPU scan with `>`
// would. One workgroup per row, so a row's result never depends on how many rows share the
// dispatch. Each invocation scans its units of four floats (vec4 loads when ALIGNED: every row
// starts on a multiple of 4 floats) in increasing index order keeping the first of equal maxima,
// then one element of the n % 4 tail; lanes then agree on the largest value and, among its
// holders, the lowest index. A row of -inf gives index 0; NaN-free input is assumed.
// With NORMALIZER each row also gets S = sum_j exp(x_j - max) (binding 3), the softmax's
// denominator, so a token's probability exp(x - max) / S needs no copy of the row on the host
// (drafters' confidence): a second scan in the same order, each unit's four terms as a pair of
// pairs, `precise` so no driver reorders them (aligned and unaligned pipelines agree); 0 for a row
// of -inf.
#extension GL_EXT_control_flow_attributes : require
#include "../common/header.glsl"

layout(std430, binding = 0) readonly buffer Input { float X[]; };
layout(std430, binding = 0) readonly buffer Input4 { vec4 X4[]; };
layout(std430, binding = 1) writeonly buffer Indices { uint I[]; };
layout(std430, binding = 2) writeonly buffer Values { float V[]; };
#ifdef NORMALIZER
layout(std430, binding = 3) writeonly buffer Normalizers { float S[]; };
shared float partialSum[WORKGROUP_SIZE / SUBGROUP_SIZE];
#endif

layout(push_constant) uniform Params {
    uint n;        // elements per row
    uint rows;
    uint xStride;  // floats between rows of X
    uint xOffset;  // first float of X
} p;

const uint SUBGROUPS = WORKGROUP_SIZE / SUBGROUP_SIZE;
const uint UNROLL = 2;  // units per invocation per step
const uint NONE = 0xFFFFFFFFu;
shared float partialValue[SUBGROUPS];
shared uint partialIndex[SUBGROUPS];

vec4 load(uint start, uint unit) {
#ifdef ALIGNED
    return X4[start / 4 + unit];
#else
    uint i = start + unit * 4;
    return vec4(X[i], X[i + 1], X[i + 2], X[i + 3]);
#endif
}

void main() {
    uint row = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    if (row >= p.rows) return;  // uniform across the workgroup
    uint t = gl_LocalInvocationID.x;
    uint x0 = p.xOffset + row * p.xStride;
    uint units = p.n / 4, tail = units * 4 + t;  // invocation t also takes element tail < n

    float best = -1.0 / 0.0;
    uint at = NONE;  // stays NONE only if every element seen is -inf
    for (uint base = t; base < units; base += WORKGROUP_SIZE * UNROLL) {
        [[unroll]] for (uint u = 0; u < UNROLL; ++u) {
            uint unit = base + u * WORKGROUP_SIZE;
            if (unit < units) {
                vec4 v = load(x0, unit);
                if (v.x > best) { best = v.x; at = unit * 4; }
                if (v.y > best) { best = v.y; at = unit * 4 + 1; }
                if (v.z > best) { best = v.z; at = unit * 4 + 2; }
                if (v.w > best) { best = v.w; at = unit * 4 + 3; }
            }
        }
    }
    if (tail < p.n && X[x0 + tail] > best) { best = X[x0 + tail]; at = tail; }
    float m = subgroupMax(best);
    at = subgroupMin(best == m ? at : NONE);
    best = m;
    if (SUBGROUPS > 1) {
        if (subgroupElect()) { partialValue[gl_SubgroupID] = best; partialIndex[gl_SubgroupID] = at; }
        barrier();
        best = partialValue[0];
        at = partialIndex[0];
        for (uint g = 1; g < SUBGROUPS; ++g) {
            float v = partialValue[g];
            uint j = partialIndex[g];
            if (v > best || (v == best && j < at)) { best = v; at = j; }
        }
    }
    if (t == 0) { I[row] = at == NONE ? 0 : at; V[row] = best; }
#ifdef NORMALIZER
    // The step is written out UNROLL times by hand: spirv-opt's [[unroll]] drops the NoContraction
    // decorations of the copies.
    precise float sum = 0.0;
#define SUM_STEP(unit_) if ((unit_) < units) { precise vec4 e = exp(load(x0, unit_) - best); sum += (e.x + e.y) + (e.z + e.w); }
    if (at != NONE) {
        for (uint base = t; base < units; base += WORKGROUP_SIZE * UNROLL) {
            SUM_STEP(base)
            SUM_STEP(base + WORKGROUP_SIZE)
        }
        if (tail < p.n) { precise float e = exp(X[x0 + tail] - best); sum += e; }
    }
    sum = subgroupAdd(sum);
    if (SUBGROUPS > 1) {
        if (subgroupElect()) partialSum[gl_SubgroupID] = sum;
        barrier();
        sum = partialSum[0];
        for (uint g = 1; g < SUBGROUPS; ++g) sum += partialSum[g];
    }
    if (t == 0) S[row] = sum;
#endif
}
