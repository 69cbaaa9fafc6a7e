#version 450
// RMSNorm of each row: Y[r] = X[r] / sqrt(mean(X[r]^2) + eps) * W. One subgroup per row, so a
// row's result never depends on how many rows share the dispatch.
#include "../common/header.glsl"

layout(std430, binding = 0) readonly buffer Input { float X[]; };
layout(std430, binding = 1) readonly buffer Weight { float W[]; };
layout(std430, binding = 2) writeonly buffer Output { float Y[]; };

layout(push_constant) uniform Params {
    uint n;        // elements per row
    uint rows;
    uint xStride;  // floats between rows of X
    uint yStride;  // floats between rows of Y
    float eps;
} p;

void main() {
    const uint subgroupsPerWorkgroup = WORKGROUP_SIZE / SUBGROUP_SIZE;
    uint row = gl_WorkGroupID.x * subgroupsPerWorkgroup + gl_SubgroupID;
    if (row >= p.rows) return;
    uint lane = gl_SubgroupInvocationID;
    uint x0 = row * p.xStride, y0 = row * p.yStride;
    float sum = 0.0;
    for (uint i = lane; i < p.n; i += SUBGROUP_SIZE) sum = fma(X[x0 + i], X[x0 + i], sum);
    float scale = 1.0 / sqrt(subgroupAdd(sum) / float(p.n) + p.eps);
    for (uint i = lane; i < p.n; i += SUBGROUP_SIZE) Y[y0 + i] = (X[x0 + i] * scale) * W[i];
}
