const uint A_VEC4_PER_UNIT = 4, UNITS_PER_GROUP = 1, WORDS_PER_GROUP = 0;
uint unit_index(uint row, uint u);
void dequant_unit(uint row, uint u, out vec4 w[8]) {
    uint a = unit_index(row, u) * 4u;
    for (uint i = 0; i < 4; ++i) {
        uvec4 q = LOAD_A(a + i);
        w[2 * i] = vec4(unpackHalf2x16(q.x), unpackHalf2x16(q.y));
        w[2 * i + 1] = vec4(unpackHalf2x16(q.z), unpackHalf2x16(q.w));
    }
}
