// q8_0: 32 signed bytes per unit; two units share one word of fp16 scales.
const uint A_VEC4_PER_UNIT = 2, UNITS_PER_GROUP = 2, WORDS_PER_GROUP = 1;
uint unit_index(uint row, uint u);
uint group_base(uint row, uint u);
void dequant_unit(uint row, uint u, out vec4 w[8]) {
    uint a = unit_index(row, u) * 2u;
    float d = unpackHalf2x16(LOAD_B(group_base(row, u)))[u & 1u];
    uvec4 q0 = LOAD_A(a), q1 = LOAD_A(a + 1);
    w[0] = bytes_signed(q0.x) * d; w[1] = bytes_signed(q0.y) * d;
    w[2] = bytes_signed(q0.z) * d; w[3] = bytes_signed(q0.w) * d;
    w[4] = bytes_signed(q1.x) * d; w[5] = bytes_signed(q1.y) * d;
    w[6] = bytes_signed(q1.z) * d; w[7] = bytes_signed(q1.w) * d;
}
