// The 6-bit scale and minimum of sub-block j (0-7) of a q4_K/q5_K super-block, whose 12 scale
// bytes are in words s0, s1, s2 (GGUF's get_scale_min_k4). Both cases are computed and one is
// selected, with no branch and no indexed array: on CPU devices both of those become per-lane
// code, and j is the same for every lane.
void scale_min_k4(uint j, uint s0, uint s1, uint s2, out float sc, out float m) {
    uint shift = 8u * (j & 3u);
    uint a = s0 >> shift, b = s1 >> shift, c = s2 >> shift;
    // j < 4: bytes j and j + 4 hold sc and m whole. j >= 4: byte j + 4 holds their low nibbles,
    // the top two bits of bytes j - 4 and j their high bits.
    uint low = j < 4u ? 1u : 0u;
    uint scBits = low == 1u ? (a & 63u) : ((c & 15u) | ((a >> 2) & 48u));
    uint mBits = low == 1u ? (b & 63u) : (((c >> 4) & 15u) | ((b >> 2) & 48u));
    sc = float(scBits);
    m = float(mBits);
}
