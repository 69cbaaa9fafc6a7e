// q5_0: y = ((q | h << 4) - 16) * d; per unit two words in plane B, a uvec4 per pair of units:
// the 32 high bits inverted, d (f32). With the fifth bit inverted, the five bits of a weight joined
// in a byte are q - 16 in two's complement, so each unit is integers times d (UNIT_SCALE), the
// same integers and scale as q5_0 widened to q8_0.
const uint A_VEC4_PER_UNIT = 1, UNITS_PER_GROUP = 2, WORDS_PER_GROUP = 4;
#define UNIT_SCALE
uint unit_index(uint row, uint u);
uint group_base(uint row, uint u);
vec2 quant_unit(uint row, uint u, out vec4 q[8]) {
    uvec4 a = LOAD_A(unit_index(row, u));
    uvec4 side = LOAD_B4(group_base(row, u));
    bool odd = (u & 1u) != 0u;
    uint qh = odd ? side.z : side.x;
    for (uint i = 0; i < 4; ++i) {
        q[i] = bytes_signed5((a[i] & 0x0F0F0F0Fu) | (spread_bits4(qh >> (4u * i)) << 4));
        q[i + 4] = bytes_signed5(((a[i] >> 4) & 0x0F0F0F0Fu) | (spread_bits4(qh >> (16u + 4u * i)) << 4));
    }
    return vec2(uintBitsToFloat(odd ? side.w : side.y), 0.0);
}
