// q4_1: y = q * d + m; one word (d, m as fp16) per unit.
const uint A_VEC4_PER_UNIT = 1, UNITS_PER_GROUP = 1, WORDS_PER_GROUP = 1;
#define UNIT_SCALE
#define UNIT_OFFSET
uint unit_index(uint row, uint u);
uint group_base(uint row, uint u);
vec2 quant_unit(uint row, uint u, out vec4 q[8]) {
    uvec4 a = LOAD_A(unit_index(row, u));
    for (uint i = 0; i < 4; ++i) {
        q[i] = nibbles_lo(a[i]);
        q[i + 4] = nibbles_hi(a[i]);
    }
    return unpackHalf2x16(LOAD_B(group_base(row, u)));
}
