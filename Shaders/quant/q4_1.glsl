// q4_1: y = q * d + m; one word (d, m as fp16) per unit.
const uint A_VEC4_PER_UNIT = 1, UNITS_PER_GROUP = 1, WORDS_PER_GROUP = 1;
uint unit_index(uint row, uint u);
uint group_base(uint row, uint u);
void dequant_unit(uint row, uint u, out vec4 w[8]) {
    uvec4 q = LOAD_A(unit_index(row, u));
    vec2 dm = unpackHalf2x16(LOAD_B(group_base(row, u)));
    for (uint i = 0; i < 4; ++i) {
        w[i] = nibbles_lo(q[i]) * dm.x + dm.y;
        w[i + 4] = nibbles_hi(q[i]) * dm.x + dm.y;
    }
}
