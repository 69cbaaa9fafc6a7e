#version 450
// Copies vec4s: the device's own copy bandwidth, the roofline of the benchmarks.
#include "../common/header.glsl"

layout(std430, binding = 0) readonly buffer Source { uvec4 S[]; };
layout(std430, binding = 1) writeonly buffer Destination { uvec4 D[]; };
layout(push_constant) uniform Params { uint count; uint perThread; } p;

void main() {
    uint base = (gl_WorkGroupID.x * WORKGROUP_SIZE) * p.perThread + gl_LocalInvocationID.x;
    for (uint i = 0; i < p.perThread; ++i) {
        uint at = base + i * WORKGROUP_SIZE;
        if (at < p.count) D[at] = S[at];
    }
}
