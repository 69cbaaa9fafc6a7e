#version 450
// Per row, the K largest values and their indices, sorted by value descending, equal values by
// index ascending. One subgroup per row (WORKGROUP_SIZE / SUBGROUP_SIZE rows per workgroup), so a
// row's result never depends on how many rows share the dispatch, and no barrier() is needed.
// Each lane keeps the best K of its slice (units of four floats, vec4 loads when ALIGNED, in
// increasing index order) as a sorted list in registers: every loop over the list is unrolled, so
// indices are static. An element "beats" another when its value is larger or, equal, its index
// lower; lists start full of (-inf, NONE) so masked -inf logits still rank by index. Only elements
// that beat a bar shared by the subgroup are inserted; K rounds then pick the best list head.
// lavapipe runs both sides of every branch, so the costly insertion sits outside the scan loop,
// which runs until some lane has a candidate. It also ends a shader after 65,535 loop iterations
// in all: whatever the data, this takes at most about 1.25 n / SUBGROUP_SIZE + 2 K (n <= 400,000
// at 8 lanes). Specialization: 2 K. NaN-free input is assumed. Only comparisons, no arithmetic
// for a driver to contract.
#extension GL_EXT_control_flow_attributes : require
#include "../common/header.glsl"

layout(constant_id = 2) const uint K = 64;
const uint UNROLL = 2;  // units per lane per step: 8 elements, one bit each in `pending`
const uint NONE = 0xFFFFFFFFu;

layout(std430, binding = 0) readonly buffer Input { float X[]; };
layout(std430, binding = 0) readonly buffer Input4 { vec4 X4[]; };
layout(std430, binding = 1) writeonly buffer Indices { uint I[]; };
layout(std430, binding = 2) writeonly buffer Values { float V[]; };

layout(push_constant) uniform Params {
    uint n;        // elements per row, >= K
    uint rows;
    uint xStride;  // floats between rows of X
    uint xOffset;  // first float of X
} p;

float values[K];
uint indices[K];
float barValue = -1.0 / 0.0;  // only elements that beat the bar can still be in the top K
uint barIndex = NONE;

bool beats(float v, uint i, float w, uint j) { return v > w || (v == w && i < j); }

vec4 load(uint start, uint unit) {
#ifdef ALIGNED
    return X4[start / 4 + unit];
#else
    uint i = start + unit * 4;
    return vec4(X[i], X[i + 1], X[i + 2], X[i + 3]);
#endif
}

/// Inserts (v, i) where it belongs, dropping the last entry: it bubbles down from the top.
void insert(float v, uint i) {
    [[unroll]] for (uint j = 0; j < K; ++j) {
        bool swap = beats(v, i, values[j], indices[j]);
        float w = values[j];
        uint l = indices[j];
        values[j] = swap ? v : w;
        indices[j] = swap ? i : l;
        v = swap ? w : v;
        i = swap ? l : i;
    }
}

/// The bar is the better of two elements, each with at least K elements of the row at or above it:
/// the best of the lanes' K-th entries, and the worst of the lanes' M-th (M lanes' worth of M).
void raiseBar() {
    const uint M = (K + SUBGROUP_SIZE - 1) / SUBGROUP_SIZE;
    float best = subgroupMax(values[K - 1]);
    uint bestIndex = subgroupMin(values[K - 1] == best ? indices[K - 1] : NONE);
    float worst = subgroupMin(values[M - 1]);
    uint worstIndex = subgroupMax(values[M - 1] == worst ? indices[M - 1] : 0u);
    bool second = beats(worst, worstIndex, best, bestIndex);
    barValue = second ? worst : best;
    barIndex = second ? worstIndex : bestIndex;
}

/// Inserts the elements flagged in `pending` (bit b: element first + b / 4 * stride + b % 4), one
/// per lane per round, raising the bar after each round. A do-while: lavapipe would run a while's
/// body once more with no lane active.
void insertPending(uint pending, uint x0, uint first, uint stride) {
    do {
        if (pending != 0) {
            uint b = uint(findLSB(pending));
            pending &= pending - 1;
            uint i = first + b / 4 * stride + b % 4;
            float v = X[x0 + i];
            if (beats(v, i, barValue, barIndex)) insert(v, i);
        }
        raiseBar();
    } while (subgroupOr(pending) != 0);  // arithmetic, not vote: what the header requires
}

void main() {
    const uint rowsPerWorkgroup = WORKGROUP_SIZE / SUBGROUP_SIZE;
    uint row = (gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x) * rowsPerWorkgroup + gl_SubgroupID;
    if (row >= p.rows) return;  // uniform across the subgroup
    uint lane = gl_SubgroupInvocationID;
    uint x0 = p.xOffset + row * p.xStride;
    uint units = p.n / 4;

    [[unroll]] for (uint j = 0; j < K; ++j) { values[j] = -1.0 / 0.0; indices[j] = NONE; }
    for (uint base = 0; base < units; base += SUBGROUP_SIZE * UNROLL) {  // base is uniform
        // Scan cheaply until some lane holds an element that beats the bar.
        uint pending = 0;
        for (; base < units; base += SUBGROUP_SIZE * UNROLL) {
            [[unroll]] for (uint u = 0; u < UNROLL; ++u) {
                uint unit = base + u * SUBGROUP_SIZE + lane;
                if (unit < units) {
                    vec4 v = load(x0, unit);
                    if (beats(v.x, unit * 4, barValue, barIndex)) pending |= 1u << (u * 4);
                    if (beats(v.y, unit * 4 + 1, barValue, barIndex)) pending |= 2u << (u * 4);
                    if (beats(v.z, unit * 4 + 2, barValue, barIndex)) pending |= 4u << (u * 4);
                    if (beats(v.w, unit * 4 + 3, barValue, barIndex)) pending |= 8u << (u * 4);
                }
            }
            if (subgroupOr(pending) != 0) break;
        }
        if (subgroupOr(pending) != 0) insertPending(pending, x0, (base + lane) * 4, SUBGROUP_SIZE * 4);
    }
    uint tail = units * 4 + lane;  // the n % 4 elements after the units, one per lane
    uint pending = tail < p.n && beats(X[x0 + tail], tail, barValue, barIndex) ? 1u : 0u;
    if (subgroupOr(pending) != 0) insertPending(pending, x0, tail, 0);

    // K rounds: the best head across lanes is the next result; its lane pops it.
    for (uint r = 0; r < K; ++r) {
        float m = subgroupMax(values[0]);
        uint w = subgroupMin(values[0] == m ? indices[0] : NONE);
        if (lane == 0) { I[row * K + r] = w; V[row * K + r] = m; }
        if (indices[0] == w) {
            [[unroll]] for (uint j = 0; j + 1 < K; ++j) { values[j] = values[j + 1]; indices[j] = indices[j + 1]; }
            values[K - 1] = -1.0 / 0.0;
            indices[K - 1] = NONE;
        }
    }
}
