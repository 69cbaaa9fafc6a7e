// q6_K: super-blocks of 8 units; per unit one uvec4 in plane B: its two words of 2-bit high
// parts with the upper bit inverted, its two signed scale bytes (low half), d (f32).
// y = (d * sc) * ((q | h << 4) - 32). With the sixth bit inverted, the six bits of a weight joined
// in a byte are q - 32 in two's complement: each half unit is integers times one scale
// (UNIT_HALF_SCALES: elements 0-15 take the first, 16-31 the second).
const uint A_VEC4_PER_UNIT = 1, UNITS_PER_GROUP = 8, WORDS_PER_GROUP = 32;
#define UNIT_SCALE
#define UNIT_HALF_SCALES
uint unit_index(uint row, uint u);
uint group_base(uint row, uint u);
vec2 quant_unit(uint row, uint u, out vec4 q[8]) {
    uvec4 a = LOAD_A(unit_index(row, u));
    uvec4 side = LOAD_B4(group_base(row, u) + 4u * (u & 7u));
    float d = uintBitsToFloat(side.w);
    for (uint i = 0; i < 4; ++i) {
        q[i] = bytes_signed6((a[i] & 0x0F0F0F0Fu) | (spread_pairs4(side.x >> (8u * i)) << 4));
        q[i + 4] = bytes_signed6(((a[i] >> 4) & 0x0F0F0F0Fu) | (spread_pairs4(side.y >> (8u * i)) << 4));
    }
    precise vec2 scales = vec2(d * float(int(side.z << 24) >> 24), d * float(int(side.z << 16) >> 24));
    return scales;
}
