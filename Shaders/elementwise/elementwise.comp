#version 450
// Element-wise operations over n floats, chosen by define:
//   OP_ADD: Y = A + B      OP_MUL: Y = A * B      OP_SCALE: Y = A * s
//   OP_SWIGLU: Y = silu(A) * B, silu(a) = a / (1 + exp(-a))
// B is read at index i % bPeriod when bPeriod > 0 (a bias row added to every token).
// With width > 0 the elements are rows of `width` (the dispatch's y axis), aStride / bStride /
// yStride floats apart in A / B / Y; with width 0 they are contiguous (a flat index folded over
// the x and y axes, see Grid.swift).
// One invocation per element, so an element's result never depends on the dispatch's size; `precise`
// on each result (SwiGLU's divide and multiply are never fused or reordered, as in matvec.comp).
// Y may alias A or B (same buffer and offset) for in-place use. TEXEL_INPUT reads A and B as
// texel buffers (CPU devices: a gather instead of a bounds-checked load per lane).
#include "../common/header.glsl"

#ifdef TEXEL_INPUT
layout(binding = 0) uniform samplerBuffer ATexels;
layout(binding = 1) uniform samplerBuffer BTexels;
#define LOAD_A(i) texelFetch(ATexels, int(i)).x
#define LOAD_B(i) texelFetch(BTexels, int(i)).x
#else
layout(std430, binding = 0) readonly buffer InputA { float A[]; };
layout(std430, binding = 1) readonly buffer InputB { float B[]; };
#define LOAD_A(i) A[i]
#define LOAD_B(i) B[i]
#endif
layout(std430, binding = 2) writeonly buffer Output { float Y[]; };

layout(push_constant) uniform Params {
    uint n;
    uint aOffset;
    uint bOffset;
    uint yOffset;
    float s;
    uint bPeriod;
    uint width;
    uint aStride;
    uint bStride;
    uint yStride;
} p;

void main() {
    uint row = 0u, column = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WORKGROUP_SIZE;
    if (p.width > 0u) {
        row = gl_GlobalInvocationID.y;
        column = gl_GlobalInvocationID.x;
        if (column >= p.width) return;
    }
    uint i = row * p.width + column;
    if (i >= p.n) return;
    float a = LOAD_A(p.aOffset + row * p.aStride + column);
    uint bi = p.bOffset + (p.bPeriod > 0u ? i % p.bPeriod : row * p.bStride + column);
    uint yi = p.yOffset + row * p.yStride + column;
#if defined(OP_ADD)
    precise float y = a + LOAD_B(bi);
#elif defined(OP_MUL)
    precise float y = a * LOAD_B(bi);
#elif defined(OP_SCALE)
    precise float y = a * p.s;
#elif defined(OP_SWIGLU)
    precise float y = (a / (1.0 + exp(-a))) * LOAD_B(bi);
#else
#error "no operation defined"
#endif
    Y[yi] = y;
}
