#version 450
// RMSNorm of each row: Y[r] = X[r] / sqrt(mean(X[r]^2) + eps) * W. SUBGROUPS_PER_ROW subgroups
// share a row (1 on CPU devices, where barriers are dear; several on GPUs, where one subgroup
// walking a row is a chain of load latencies). A row's sum is formed in the same order whatever
// the number of rows in the dispatch: lane partials, then each subgroup's, then the subgroups' in
// index order. So a row's result never depends on how many rows share the dispatch. No contraction:
// `precise` on the sum of squares, the scale and each output. TEXEL_INPUT
// reads X and W as texel buffers (CPU devices: a gather instead of a bounds-checked load per lane).
#include "../common/header.glsl"

layout(constant_id = 2) const uint SUBGROUPS_PER_ROW = 1;

#ifdef TEXEL_INPUT
layout(binding = 0) uniform samplerBuffer InputTexels;
layout(binding = 1) uniform samplerBuffer WeightTexels;
#define LOAD_X(i) texelFetch(InputTexels, int(i)).x
#define LOAD_W(i) texelFetch(WeightTexels, int(i)).x
#else
layout(std430, binding = 0) readonly buffer Input { float X[]; };
layout(std430, binding = 1) readonly buffer Weight { float W[]; };
#define LOAD_X(i) X[i]
#define LOAD_W(i) W[i]
#endif
layout(std430, binding = 2) writeonly buffer Output { float Y[]; };

layout(push_constant) uniform Params {
    uint n;        // elements per row
    uint rows;
    uint xStride;  // floats between rows of X
    uint yStride;  // floats between rows of Y
    float eps;
} p;

const uint ROWS_PER_WORKGROUP = WORKGROUP_SIZE / SUBGROUP_SIZE / SUBGROUPS_PER_ROW;
const uint ROW_LANES = SUBGROUP_SIZE * SUBGROUPS_PER_ROW;
shared float partial[WORKGROUP_SIZE / SUBGROUP_SIZE];

void main() {
    uint slot = gl_SubgroupID / SUBGROUPS_PER_ROW;
    uint row = gl_WorkGroupID.x * ROWS_PER_WORKGROUP + slot;
    uint lane = (gl_SubgroupID % SUBGROUPS_PER_ROW) * SUBGROUP_SIZE + gl_SubgroupInvocationID;
    bool inRange = row < p.rows;
    uint x0 = row * p.xStride, y0 = row * p.yStride;
    precise float sum = 0.0;
    if (inRange) {
        for (uint i = lane; i < p.n; i += ROW_LANES) {
            float x = LOAD_X(x0 + i);
            sum += x * x;
        }
    }
    sum = subgroupAdd(sum);
    if (SUBGROUPS_PER_ROW > 1) {
        if (gl_SubgroupInvocationID == 0) partial[gl_SubgroupID] = sum;
        barrier();
        sum = partial[slot * SUBGROUPS_PER_ROW];
        for (uint s = 1; s < SUBGROUPS_PER_ROW; ++s) sum += partial[slot * SUBGROUPS_PER_ROW + s];
    }
    if (!inRange) return;
    precise float scale = 1.0 / sqrt(sum / float(p.n) + p.eps);
    for (uint i = lane; i < p.n; i += ROW_LANES) {
        precise float y = (LOAD_X(x0 + i) * scale) * LOAD_W(i);
        Y[y0 + i] = y;
    }
}
