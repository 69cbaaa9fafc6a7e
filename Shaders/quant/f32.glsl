const uint A_VEC4_PER_UNIT = 8, UNITS_PER_GROUP = 1, WORDS_PER_GROUP = 0;
uint unit_index(uint row, uint u);
void dequant_unit(uint row, uint u, out vec4 w[8]) {
    uint a = unit_index(row, u) * 8u;
    for (uint i = 0; i < 8; ++i) w[i] = uintBitsToFloat(LOAD_A(a + i));
}
