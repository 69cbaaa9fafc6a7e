// q6_K: super-blocks of 8 units; group words: d (f32), 16 signed scale bytes (one per 16
// weights), then two words of 2-bit high parts per unit. y = (d * sc) * ((q | h << 4) - 32).
const uint A_VEC4_PER_UNIT = 1, UNITS_PER_GROUP = 8, WORDS_PER_GROUP = 21;
uint unit_index(uint row, uint u);
uint group_base(uint row, uint u);
void dequant_unit(uint row, uint u, out vec4 w[8]) {
    uvec4 q = LOAD_A(unit_index(row, u));
    uint g = group_base(row, u);
    uint k = u & 7u;
    float d = uintBitsToFloat(LOAD_B(g));
    uint scales = LOAD_B(g + 1u + (k >> 1));  // scale bytes 2k and 2k+1 (16-bit half of this word)
    float s0 = float(int(scales << (24u - 16u * (k & 1u))) >> 24);
    float s1 = float(int(scales << (16u - 16u * (k & 1u))) >> 24);
    float d0 = d * s0, d1 = d * s1;
    uint h0 = LOAD_B(g + 5u + 2u * k), h1 = LOAD_B(g + 6u + 2u * k);
    for (uint i = 0; i < 4; ++i) {
        w[i] = d0 * (nibbles_lo(q[i]) + pairs4(h0, 8u * i) * 16.0 - 32.0);
        w[i + 4] = d1 * (nibbles_hi(q[i]) + pairs4(h1, 8u * i) * 16.0 - 32.0);
    }
}
