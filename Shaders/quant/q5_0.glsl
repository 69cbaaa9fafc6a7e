// q5_0: y = ((q | h << 4) - 16) * d; per unit two words in plane B, a uvec4 per pair of units:
// the 32 high bits, d (f32).
const uint A_VEC4_PER_UNIT = 1, UNITS_PER_GROUP = 2, WORDS_PER_GROUP = 4;
uint unit_index(uint row, uint u);
uint group_base(uint row, uint u);
void dequant_unit(uint row, uint u, out vec4 w[8]) {
    uvec4 q = LOAD_A(unit_index(row, u));
    uvec4 side = LOAD_B4(group_base(row, u));
    bool odd = (u & 1u) != 0u;
    uint qh = odd ? side.z : side.x;
    float d = uintBitsToFloat(odd ? side.w : side.y);
    for (uint i = 0; i < 4; ++i) {
        w[i] = (nibbles_lo(q[i]) + bits4(qh, 4u * i) * 16.0 - 16.0) * d;
        w[i + 4] = (nibbles_hi(q[i]) + bits4(qh, 16u + 4u * i) * 16.0 - 16.0) * d;
    }
}
