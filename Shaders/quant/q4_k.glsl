// q4_K: super-blocks of 8 units; group words: (d, dmin as fp16), 12 scale bytes.
// y = (d * sc) * q - (dmin * m).
#include "kquant_scales.glsl"
const uint A_VEC4_PER_UNIT = 1, UNITS_PER_GROUP = 8, WORDS_PER_GROUP = 4;
#define UNIT_SCALE
#define UNIT_OFFSET
uint unit_index(uint row, uint u);
uint group_base(uint row, uint u);
vec2 quant_unit(uint row, uint u, out vec4 q[8]) {
    uvec4 a = LOAD_A(unit_index(row, u));
    uvec4 head = LOAD_B4(group_base(row, u));
    vec2 dm = unpackHalf2x16(head.x);
    float sc, m;
    scale_min_k4(u & 7u, head.y, head.z, head.w, sc, m);
    for (uint i = 0; i < 4; ++i) {
        q[i] = nibbles_lo(a[i]);
        q[i + 4] = nibbles_hi(a[i]);
    }
    precise vec2 so = vec2(dm.x * sc, -(dm.y * m));
    return so;
}
