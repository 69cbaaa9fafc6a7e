// The 6-bit scale and minimum of sub-block j (0-7) of a q4_K/q5_K super-block, whose 12 scale
// bytes are in words s0, s1, s2 (GGUF's get_scale_min_k4).
void scale_min_k4(uint j, uint s0, uint s1, uint s2, out float sc, out float m) {
    uint s[3] = uint[3](s0, s1, s2);
    #define SB(b) byte_of(s[(b) >> 2], (b) & 3u)
    if (j < 4u) {
        sc = float(SB(j) & 63u);
        m = float(SB(j + 4u) & 63u);
    } else {
        sc = float((SB(j + 4u) & 0xFu) | ((SB(j - 4u) >> 6) << 4));
        m = float((SB(j + 4u) >> 4) | ((SB(j) >> 6) << 4));
    }
    #undef SB
}
