// q5_K: as q4_K plus one high bit per weight; group words: (d, dmin), 12 scale bytes, 8 words
// of high bits (one word per unit, bit e for element e).
#include "kquant_scales.glsl"
const uint A_VEC4_PER_UNIT = 1, UNITS_PER_GROUP = 8, WORDS_PER_GROUP = 12;
#define UNIT_SCALE
#define UNIT_OFFSET
uint unit_index(uint row, uint u);
uint group_base(uint row, uint u);
vec2 quant_unit(uint row, uint u, out vec4 q[8]) {
    uvec4 a = LOAD_A(unit_index(row, u));
    uint g = group_base(row, u);
    uvec4 head = LOAD_B4(g);
    vec2 dm = unpackHalf2x16(head.x);
    float sc, m;
    scale_min_k4(u & 7u, head.y, head.z, head.w, sc, m);
    uint qh = LOAD_B(g + 4u + (u & 7u));
    for (uint i = 0; i < 4; ++i) {
        q[i] = bytes_unsigned((a[i] & 0x0F0F0F0Fu) | (spread_bits4(qh >> (4u * i)) << 4));
        q[i + 4] = bytes_unsigned(((a[i] >> 4) & 0x0F0F0F0Fu) | (spread_bits4(qh >> (16u + 4u * i)) << 4));
    }
    precise vec2 so = vec2(dm.x * sc, -(dm.y * m));
    return so;
}
