// q5_1: y = (q | h << 4) * d + m; per unit: qh, (d, m as fp16).
const uint A_VEC4_PER_UNIT = 1, UNITS_PER_GROUP = 1, WORDS_PER_GROUP = 2;
#define UNIT_SCALE
#define UNIT_OFFSET
uint unit_index(uint row, uint u);
uint group_base(uint row, uint u);
vec2 quant_unit(uint row, uint u, out vec4 q[8]) {
    uvec4 a = LOAD_A(unit_index(row, u));
    uint g = group_base(row, u);
    uint qh = LOAD_B(g);
    for (uint i = 0; i < 4; ++i) {
        q[i] = bytes_unsigned((a[i] & 0x0F0F0F0Fu) | (spread_bits4(qh >> (4u * i)) << 4));
        q[i + 4] = bytes_unsigned(((a[i] >> 4) & 0x0F0F0F0Fu) | (spread_bits4(qh >> (16u + 4u * i)) << 4));
    }
    return unpackHalf2x16(LOAD_B(g + 1u));
}
