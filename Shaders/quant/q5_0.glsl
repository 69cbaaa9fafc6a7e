// q5_0: y = ((q | h << 4) - 16) * d; per unit two words in plane B, a uvec4 per pair of units:
// the 32 high bits, d (f32). The five bits of four weights are joined in one word's bytes before
// conversion; fma(v, d, -16d) rounds (v - 16) * d exactly once, so the bits equal the reference's.
const uint A_VEC4_PER_UNIT = 1, UNITS_PER_GROUP = 2, WORDS_PER_GROUP = 4;
uint unit_index(uint row, uint u);
uint group_base(uint row, uint u);
void dequant_unit(uint row, uint u, out vec4 w[8]) {
    uvec4 q = LOAD_A(unit_index(row, u));
    uvec4 side = LOAD_B4(group_base(row, u));
    bool odd = (u & 1u) != 0u;
    uint qh = odd ? side.z : side.x;
    float d = uintBitsToFloat(odd ? side.w : side.y);
    vec4 dv = vec4(d), offset = vec4(-16.0 * d);
    for (uint i = 0; i < 4; ++i) {
        uint lo = (q[i] & 0x0F0F0F0Fu) | (spread_bits4(qh >> (4u * i)) << 4);
        uint hi = ((q[i] >> 4) & 0x0F0F0F0Fu) | (spread_bits4(qh >> (16u + 4u * i)) << 4);
        w[i] = fma(bytes_unsigned(lo), dv, offset);
        w[i + 4] = fma(bytes_unsigned(hi), dv, offset);
    }
}
