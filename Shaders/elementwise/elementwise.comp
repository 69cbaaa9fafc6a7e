#version 450
// Element-wise operations over n floats, chosen by define:
//   OP_ADD: Y = A + B      OP_MUL: Y = A * B      OP_SCALE: Y = A * s
//   OP_SWIGLU: Y = silu(A) * B, silu(a) = a / (1 + exp(-a))
// B is read at index i % bPeriod when bPeriod > 0 (a bias row added to every token).
// Y may alias A or B (same buffer and offset) for in-place use.
#include "../common/header.glsl"

layout(std430, binding = 0) readonly buffer InputA { float A[]; };
layout(std430, binding = 1) readonly buffer InputB { float B[]; };
layout(std430, binding = 2) writeonly buffer Output { float Y[]; };

layout(push_constant) uniform Params {
    uint n;
    uint aOffset;
    uint bOffset;
    uint yOffset;
    float s;
    uint bPeriod;
} p;

void main() {
    uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WORKGROUP_SIZE;
    if (i >= p.n) return;
    float a = A[p.aOffset + i];
    uint bi = p.bOffset + (p.bPeriod > 0u ? i % p.bPeriod : i);
#if defined(OP_ADD)
    Y[p.yOffset + i] = a + B[bi];
#elif defined(OP_MUL)
    Y[p.yOffset + i] = a * B[bi];
#elif defined(OP_SCALE)
    Y[p.yOffset + i] = a * p.s;
#elif defined(OP_SWIGLU)
    Y[p.yOffset + i] = (a / (1.0 + exp(-a))) * B[bi];
#else
#error "no operation defined"
#endif
}
