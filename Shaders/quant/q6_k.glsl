// q6_K: super-blocks of 8 units; per unit one uvec4 in plane B: its two words of 2-bit high
// parts, its two signed scale bytes (low half), d (f32). y = (d * sc) * ((q | h << 4) - 32).
// The six bits of four weights are joined in one word's bytes before conversion;
// fma(v, s, -32s) rounds (v - 32) * s exactly once, so the bits equal the reference's.
const uint A_VEC4_PER_UNIT = 1, UNITS_PER_GROUP = 8, WORDS_PER_GROUP = 32;
uint unit_index(uint row, uint u);
uint group_base(uint row, uint u);
void dequant_unit(uint row, uint u, out vec4 w[8]) {
    uvec4 q = LOAD_A(unit_index(row, u));
    uvec4 side = LOAD_B4(group_base(row, u) + 4u * (u & 7u));
    float d = uintBitsToFloat(side.w);
    float d0 = d * float(int(side.z << 24) >> 24), d1 = d * float(int(side.z << 16) >> 24);
    vec4 s0 = vec4(d0), s1 = vec4(d1), o0 = vec4(-32.0 * d0), o1 = vec4(-32.0 * d1);
    for (uint i = 0; i < 4; ++i) {
        uint lo = (q[i] & 0x0F0F0F0Fu) | (spread_pairs4(side.x >> (8u * i)) << 4);
        uint hi = ((q[i] >> 4) & 0x0F0F0F0Fu) | (spread_pairs4(side.y >> (8u * i)) << 4);
        w[i] = fma(bytes_unsigned(lo), s0, o0);
        w[i + 4] = fma(bytes_unsigned(hi), s1, o1);
    }
}
