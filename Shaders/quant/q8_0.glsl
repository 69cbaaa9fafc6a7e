// q8_0: 32 signed bytes per unit; two units share one word of fp16 scales.
const uint A_VEC4_PER_UNIT = 2, UNITS_PER_GROUP = 2, WORDS_PER_GROUP = 1;
#define UNIT_SCALE
uint unit_index(uint row, uint u);
uint group_base(uint row, uint u);
vec2 quant_unit(uint row, uint u, out vec4 q[8]) {
    uint a = unit_index(row, u) * 2u;
    uvec4 q0 = LOAD_A(a), q1 = LOAD_A(a + 1);
    q[0] = bytes_signed(q0.x); q[1] = bytes_signed(q0.y); q[2] = bytes_signed(q0.z); q[3] = bytes_signed(q0.w);
    q[4] = bytes_signed(q1.x); q[5] = bytes_signed(q1.y); q[6] = bytes_signed(q1.z); q[7] = bytes_signed(q1.w);
    return vec2(unpackHalf2x16(LOAD_B(group_base(row, u)))[u & 1u], 0.0);
}
