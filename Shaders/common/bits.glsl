// Unpacking of packed integer fields into floats.

// Low nibbles of the four bytes of w, byte 0 first.
vec4 nibbles_lo(uint w) {
    return vec4(w & 0xFu, (w >> 8) & 0xFu, (w >> 16) & 0xFu, (w >> 24) & 0xFu);
}

// High nibbles of the four bytes of w, byte 0 first.
vec4 nibbles_hi(uint w) {
    return vec4((w >> 4) & 0xFu, (w >> 12) & 0xFu, (w >> 20) & 0xFu, w >> 28);
}

// The four bytes of w as signed 8-bit integers, byte 0 first.
vec4 bytes_signed(uint w) {
    return vec4(int(w << 24) >> 24, int(w << 16) >> 24, int(w << 8) >> 24, int(w) >> 24);
}

// Byte b (0-3) of w, unsigned.
uint byte_of(uint w, uint b) {
    return (w >> (8u * b)) & 0xFFu;
}

// Four consecutive bits of `bits` starting at `first`, one per lane, each 0 or 1.
vec4 bits4(uint bits, uint first) {
    uint v = bits >> first;
    return vec4(v & 1u, (v >> 1) & 1u, (v >> 2) & 1u, (v >> 3) & 1u);
}

// Four consecutive 2-bit fields of `bits` starting at bit `first`.
vec4 pairs4(uint bits, uint first) {
    uint v = bits >> first;
    return vec4(v & 3u, (v >> 2) & 3u, (v >> 4) & 3u, (v >> 6) & 3u);
}
