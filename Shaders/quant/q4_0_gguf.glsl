// q4_0 read in GGUF's own byte layout (no repacking), for comparison with Augur's layout: two
// 18-byte blocks make 9 whole words, so a group is a block pair; the first block's 16 quant bytes
// start 2 bytes into a word and are reassembled from word halves. Integers q - 8 times d, as q4_0.
const uint A_VEC4_PER_UNIT = 0, UNITS_PER_GROUP = 2, WORDS_PER_GROUP = 9;
#define UNIT_SCALE
uint group_base(uint row, uint u);
vec2 quant_unit(uint row, uint u, out vec4 w[8]) {
    uint g = group_base(row, u);
    uvec4 q;
    float d;
    if ((u & 1u) == 0u) {
        d = unpackHalf2x16(LOAD_B(g)).x;
        for (uint i = 0; i < 4; ++i) q[i] = (LOAD_B(g + i) >> 16) | (LOAD_B(g + i + 1u) << 16);
    } else {
        d = unpackHalf2x16(LOAD_B(g + 4u)).y;
        q = uvec4(LOAD_B(g + 5u), LOAD_B(g + 6u), LOAD_B(g + 7u), LOAD_B(g + 8u));
    }
    for (uint i = 0; i < 4; ++i) {
        precise vec4 lo = nibbles_lo(q[i]) - 8.0, hi = nibbles_hi(q[i]) - 8.0;
        w[i] = lo;
        w[i + 4] = hi;
    }
    return vec2(d, 0.0);
}
