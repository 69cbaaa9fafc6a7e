#version 450
// Copies vec4s: the device's own copy bandwidth, the roofline of the benchmarks. TEXEL_SOURCE
// reads the source as a uniform texel buffer (on CPU devices a fetch per element is cheaper than a
// bounds-checked storage load); the benchmark keeps the faster way. Bits only: no arithmetic.
#include "../common/header.glsl"

#ifdef TEXEL_SOURCE
layout(binding = 0) uniform usamplerBuffer SourceTexels;
#define LOAD(i) texelFetch(SourceTexels, int(i))
#else
layout(std430, binding = 0) readonly buffer Source { uvec4 S[]; };
#define LOAD(i) S[i]
#endif
layout(std430, binding = 1) writeonly buffer Destination { uvec4 D[]; };
layout(push_constant) uniform Params { uint count; uint perThread; } p;

void main() {
    uint base = (gl_WorkGroupID.x * WORKGROUP_SIZE) * p.perThread + gl_LocalInvocationID.x;
    for (uint i = 0; i < p.perThread; ++i) {
        uint at = base + i * WORKGROUP_SIZE;
        if (at < p.count) D[at] = LOAD(at);
    }
}
