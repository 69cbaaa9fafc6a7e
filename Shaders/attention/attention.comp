#version 450
// Grouped-query attention over one layer's fp16 KV cache with an online (flash-style) softmax.
//   Q    f32 [nq][heads][HEAD_DIM] at qOffset, qStride floats between queries
//   K, V fp16 [capacity][kvHeads][HEAD_DIM], two halves per uint (low half = even dim)
//   mask f32 [nq][maskStride] additive over cache slots: 0 visible, -inf hidden
//   O    f32 [nq][heads][HEAD_DIM] at oOffset, oStride floats between queries
// Query head h reads KV head h / (heads / kvHeads). The number of slots scanned, kvLen, is
// params[paramIndex] (clamped to the capacity and the mask stride): a buffer, so a recorded
// command buffer can be submitted again for a longer cache.
//
// One subgroup per (query, HEADS query heads sharing one KV head): each K and V word is loaded
// once for all of them. Lane l holds words w = l + SUBGROUP_SIZE * i of every head.
// Slots are visited in increasing order, 4 * SLOT_GROUPS a step (aligned at multiples of that):
// their masks, keys and dot products are loaded and reduced together, then the online softmax
// takes them one by one. A slot whose mask is -inf is skipped entirely (never touches m, l or
// acc), so a query's result depends only on the slots it sees, not on kvLen, on the other queries
// or on SLOT_GROUPS: decode (kvLen = its own length), prefill and tree verification give
// bit-identical outputs. A fully masked row writes 0. More slots a step mean fewer dependent
// memory round trips per slot (a GPU with one subgroup a head waits on each step's loads).
// No contraction: `precise` on the dot products (d + q.x k.x, then + q.y k.y), the scores, the
// running max, sum and accumulators, and the output, so no driver fuses them differently in
// another pipeline (query count, SLOT_GROUPS, HEADS); the rotation is rope_pair.glsl's.
// With ROPE defined the queries are rotated as they load (rope_pair.glsl): query i at position
// positions[i], clamped to the table's maxPosition rows.
// Specialization: 0 workgroup size (a multiple of the subgroup size), 1 subgroup size, 2 head
// dimension (even, <= 256), 3 query heads per subgroup (divides heads / kvHeads), 4 groups of 4
// slots a step.
#include "../common/header.glsl"

layout(constant_id = 2) const uint HEAD_DIM = 128;
layout(constant_id = 3) const uint HEADS = 1;
layout(constant_id = 4) const uint SLOT_GROUPS = 1;
const uint STEP = 4u * SLOT_GROUPS;
const uint HEAD_WORDS = HEAD_DIM / 2u;
const uint WORDS_PER_LANE = (HEAD_WORDS + SUBGROUP_SIZE - 1u) / SUBGROUP_SIZE;
const uint SUBGROUPS = WORKGROUP_SIZE / SUBGROUP_SIZE;

layout(std430, binding = 0) readonly buffer Queries { float Q[]; };
layout(std430, binding = 1) readonly buffer KeyCache { uint KC[]; };
layout(std430, binding = 2) readonly buffer ValueCache { uint VC[]; };
layout(std430, binding = 3) readonly buffer Mask { float M[]; };
layout(std430, binding = 4) readonly buffer Lengths { uint params[]; };
layout(std430, binding = 5) writeonly buffer Output { float O[]; };
#ifdef ROPE
layout(std430, binding = 6) readonly buffer Positions { uint positions[]; };
layout(std430, binding = 7) readonly buffer RopeTable { vec2 cs[]; };
#include "../rope/rope_pair.glsl"
ROPE_PAIR(rotated_query, Q)
#endif

layout(push_constant) uniform Params {
    uint nq;            // queries
    uint heads;         // query heads
    uint kvHeads;       // KV heads; divides heads
    uint capacity;      // slots in the cache
    uint qOffset;       // first float of Q
    uint qStride;       // floats between queries of Q
    uint oOffset;       // first float of O
    uint oStride;       // floats between queries of O
    uint kCacheOffset;  // first uint of the key cache
    uint vCacheOffset;  // first uint of the value cache
    uint maskOffset;    // first float of the mask
    uint maskStride;    // floats between mask rows
    uint paramIndex;    // params[paramIndex] = kvLen
    float scale;        // score = (q . k) * scale + mask
    uint ropeDims;      // rotated dims per head (ROPE)
    uint maxPosition;   // rows of the rope table (ROPE)
} p;

void main() {
    const float NEG_INF = uintBitsToFloat(0xff800000u);
    uint lane = gl_SubgroupInvocationID;
    uint head0 = (gl_WorkGroupID.x * SUBGROUPS + gl_SubgroupID) * HEADS;
    uint query = gl_WorkGroupID.y;
    if (head0 >= p.heads || query >= p.nq) return;  // whole subgroups leave together
    uint kvHead = head0 / (p.heads / p.kvHeads);
    uint n = min(min(params[p.paramIndex], p.capacity), p.maskStride);
    uint rowWords = p.kvHeads * HEAD_WORDS;
    uint kBase = p.kCacheOffset + kvHead * HEAD_WORDS + lane;
    uint vBase = p.vCacheOffset + kvHead * HEAD_WORDS + lane;
    uint mBase = p.maskOffset + query * p.maskStride;
    uint qBase = p.qOffset + query * p.qStride + head0 * HEAD_DIM;

    // [HEADS][WORDS_PER_LANE]
    vec2 q[HEADS * WORDS_PER_LANE];
    precise vec2 acc[HEADS * WORDS_PER_LANE];
    precise float m[HEADS], l[HEADS];
#ifdef ROPE
    uint position = min(positions[query], p.maxPosition - 1u);
#endif
    for (uint h = 0; h < HEADS; ++h) {
        m[h] = NEG_INF;
        l[h] = 0.0;
        for (uint i = 0; i < WORDS_PER_LANE; ++i) {
            uint w = lane + SUBGROUP_SIZE * i, d = h * HEAD_DIM + 2u * w;
#ifdef ROPE
            q[h * WORDS_PER_LANE + i] = w < HEAD_WORDS ? rotated_query(qBase + h * HEAD_DIM, 2u * w, position, p.ropeDims) : vec2(0.0);
#else
            q[h * WORDS_PER_LANE + i] = w < HEAD_WORDS ? vec2(Q[qBase + d], Q[qBase + d + 1u]) : vec2(0.0);
#endif
            acc[h * WORDS_PER_LANE + i] = vec2(0.0);
        }
    }
    for (uint j0 = 0; j0 < n; j0 += STEP) {
        // Slots past kvLen count as hidden; their loads are clamped to a valid slot and unused.
        vec4 mk[SLOT_GROUPS];
        uvec4 slot[SLOT_GROUPS];
        bool visible = false;
        for (uint g = 0; g < SLOT_GROUPS; ++g) {
            for (uint t = 0; t < 4u; ++t) {
                uint j = j0 + 4u * g + t;
                mk[g][t] = j < n ? M[mBase + j] : NEG_INF;
                slot[g][t] = min(j, n - 1u) * rowWords;
            }
            visible = visible || !all(equal(mk[g], vec4(NEG_INF)));
        }
        if (!visible) continue;
        // Independent partial dots per (head, slot), reduced together; each component is its own
        // sum, its products added one at a time (glslang cannot mark a dot() precise).
        precise vec4 dots[HEADS * SLOT_GROUPS];  // [HEADS][SLOT_GROUPS]
        for (uint k = 0; k < HEADS * SLOT_GROUPS; ++k) dots[k] = vec4(0.0);
        for (uint i = 0; i < WORDS_PER_LANE; ++i) {
            if (lane + SUBGROUP_SIZE * i < HEAD_WORDS) {
                for (uint g = 0; g < SLOT_GROUPS; ++g) {
                    for (uint t = 0; t < 4u; ++t) {
                        vec2 k = unpackHalf2x16(KC[kBase + slot[g][t] + SUBGROUP_SIZE * i]);
                        for (uint h = 0; h < HEADS; ++h) {
                            vec2 qh = q[h * WORDS_PER_LANE + i];
                            dots[h * SLOT_GROUPS + g][t] = (dots[h * SLOT_GROUPS + g][t] + qh.x * k.x) + qh.y * k.y;
                        }
                    }
                }
            }
        }
        for (uint k = 0; k < HEADS * SLOT_GROUPS; ++k) dots[k] = subgroupAdd(dots[k]);
        for (uint g = 0; g < SLOT_GROUPS; ++g) {
            for (uint t = 0; t < 4u; ++t) {
                if (mk[g][t] == NEG_INF) continue;
                vec2 v[WORDS_PER_LANE];
                for (uint i = 0; i < WORDS_PER_LANE; ++i) {
                    uint w = SUBGROUP_SIZE * i;
                    v[i] = lane + w < HEAD_WORDS ? unpackHalf2x16(VC[vBase + slot[g][t] + w]) : vec2(0.0);
                }
                for (uint h = 0; h < HEADS; ++h) {
                    // m' = max(m, s); c = exp(m - m') rescales the past, e = exp(s - m') weighs the
                    // slot: one of the two is exactly 1, so one exp per slot and head.
                    precise float s = dots[h * SLOT_GROUPS + g][t] * p.scale + mk[g][t];
                    precise float c = 1.0, e = 1.0;
                    if (s > m[h]) { c = exp(m[h] - s); m[h] = s; } else { e = exp(s - m[h]); }
                    l[h] = l[h] * c + e;
                    for (uint i = 0; i < WORDS_PER_LANE; ++i) {
                        acc[h * WORDS_PER_LANE + i] = acc[h * WORDS_PER_LANE + i] * c + e * v[i];
                    }
                }
            }
        }
    }
    uint oBase = p.oOffset + query * p.oStride + head0 * HEAD_DIM;
    for (uint h = 0; h < HEADS; ++h) {
        for (uint i = 0; i < WORDS_PER_LANE; ++i) {
            uint w = lane + SUBGROUP_SIZE * i, d = h * HEAD_DIM + 2u * w;
            if (w < HEAD_WORDS) {
                precise vec2 o = l[h] > 0.0 ? acc[h * WORDS_PER_LANE + i] / l[h] : vec2(0.0);
                O[oBase + d] = o.x;
                O[oBase + d + 1u] = o.y;
            }
        }
    }
}
