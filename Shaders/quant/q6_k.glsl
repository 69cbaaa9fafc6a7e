// q6_K: super-blocks of 8 units; per unit one uvec4 in plane B: its two words of 2-bit high
// parts, its two signed scale bytes (low half), d (f32). y = (d * sc) * ((q | h << 4) - 32).
const uint A_VEC4_PER_UNIT = 1, UNITS_PER_GROUP = 8, WORDS_PER_GROUP = 32;
uint unit_index(uint row, uint u);
uint group_base(uint row, uint u);
void dequant_unit(uint row, uint u, out vec4 w[8]) {
    uvec4 q = LOAD_A(unit_index(row, u));
    uvec4 side = LOAD_B4(group_base(row, u) + 4u * (u & 7u));
    float d = uintBitsToFloat(side.w);
    float d0 = d * float(int(side.z << 24) >> 24), d1 = d * float(int(side.z << 16) >> 24);
    for (uint i = 0; i < 4; ++i) {
        w[i] = d0 * (nibbles_lo(q[i]) + pairs4(side.x, 8u * i) * 16.0 - 32.0);
        w[i + 4] = d1 * (nibbles_hi(q[i]) + pairs4(side.y, 8u * i) * 16.0 - 32.0);
    }
}
