// q4_0: y = (q - 8) * d; plane A holds q - 8 as signed nibbles (q ^ 8); two units share one word
// of fp16 scales.
const uint A_VEC4_PER_UNIT = 1, UNITS_PER_GROUP = 2, WORDS_PER_GROUP = 1;
#define UNIT_SCALE
uint unit_index(uint row, uint u);
uint group_base(uint row, uint u);
vec2 quant_unit(uint row, uint u, out vec4 q[8]) {
    uvec4 a = LOAD_A(unit_index(row, u));
    for (uint i = 0; i < 4; ++i) {
        q[i] = nibbles_lo_signed(a[i]);
        q[i + 4] = nibbles_hi_signed(a[i]);
    }
    return vec2(unpackHalf2x16(LOAD_B(group_base(row, u)))[u & 1u], 0.0);
}
