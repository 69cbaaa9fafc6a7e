// Chooses the weight type by its define (W_F32, W_Q4_K, ...).
#include "../common/bits.glsl"
#if defined(W_F32)
#include "f32.glsl"
#elif defined(W_F16)
#include "f16.glsl"
#elif defined(W_Q8_0)
#include "q8_0.glsl"
#elif defined(W_Q4_0_GGUF)
#include "q4_0_gguf.glsl"
#elif defined(W_Q4_0)
#include "q4_0.glsl"
#elif defined(W_Q4_1)
#include "q4_1.glsl"
#elif defined(W_Q5_0)
#include "q5_0.glsl"
#elif defined(W_Q5_1)
#include "q5_1.glsl"
#elif defined(W_Q4_K)
#include "q4_k.glsl"
#elif defined(W_Q5_K)
#include "q5_k.glsl"
#elif defined(W_Q6_K)
#include "q6_k.glsl"
#else
#error "no weight type defined"
#endif

uint unit_index(uint row, uint u) { return row * p.unitsPerRow + u; }
uint group_base(uint row, uint u) { return (row * p.groupsPerRow + u / UNITS_PER_GROUP) * WORDS_PER_GROUP; }

#if defined(UNIT_HALF_SCALES)
// A unit of integers q times one scale a half: y = q * scale.x (elements 0-15), q * scale.y (16-31).
void dequant_unit(uint row, uint u, out vec4 w[8]) {
    vec2 scale = quant_unit(row, u, w);
    for (uint i = 0; i < 8; ++i) { precise vec4 y = w[i] * (i < 4 ? scale.x : scale.y); w[i] = y; }
}
#elif defined(UNIT_SCALE)
// A unit of integers q times one scale plus one offset: y = q * scale + offset.
void dequant_unit(uint row, uint u, out vec4 w[8]) {
    vec2 so = quant_unit(row, u, w);
    for (uint i = 0; i < 8; ++i) { precise vec4 y = w[i] * so.x + so.y; w[i] = y; }
}
#endif
