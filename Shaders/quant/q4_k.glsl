// q4_K: super-blocks of 8 units; group words: (d, dmin as fp16), 12 scale bytes.
// y = (d * sc) * q - (dmin * m).
#include "kquant_scales.glsl"
const uint A_VEC4_PER_UNIT = 1, UNITS_PER_GROUP = 8, WORDS_PER_GROUP = 4;
uint unit_index(uint row, uint u);
uint group_base(uint row, uint u);
void dequant_unit(uint row, uint u, out vec4 w[8]) {
    uvec4 q = LOAD_A(unit_index(row, u));
    uint g = group_base(row, u);
    uvec4 head = LOAD_B4(g);
    vec2 dm = unpackHalf2x16(head.x);
    float sc, m;
    scale_min_k4(u & 7u, head.y, head.z, head.w, sc, m);
    float d1 = dm.x * sc, m1 = dm.y * m;
    for (uint i = 0; i < 4; ++i) {
        w[i] = d1 * nibbles_lo(q[i]) - m1;
        w[i + 4] = d1 * nibbles_hi(q[i]) - m1;
    }
}
