// q4_0: y = (q - 8) * d; two units share one word of fp16 scales.
const uint A_VEC4_PER_UNIT = 1, UNITS_PER_GROUP = 2, WORDS_PER_GROUP = 1;
uint unit_index(uint row, uint u);
uint group_base(uint row, uint u);
void dequant_unit(uint row, uint u, out vec4 w[8]) {
    uvec4 q = LOAD_A(unit_index(row, u));
    float d = unpackHalf2x16(LOAD_B(group_base(row, u)))[u & 1u];
    vec4 dv = vec4(d), offset = vec4(-8.0 * d);  // fma(v, d, -8d) rounds (v - 8) * d once
    for (uint i = 0; i < 4; ++i) {
        w[i] = fma(nibbles_lo(q[i]), dv, offset);
        w[i + 4] = fma(nibbles_hi(q[i]), dv, offset);
    }
}
