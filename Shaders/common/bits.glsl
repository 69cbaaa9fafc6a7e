// Unpacking of packed integer fields into floats.

// Low nibbles of the four bytes of w, byte 0 first.
vec4 nibbles_lo(uint w) {
    return vec4(w & 0xFu, (w >> 8) & 0xFu, (w >> 16) & 0xFu, (w >> 24) & 0xFu);
}

// High nibbles of the four bytes of w, byte 0 first.
vec4 nibbles_hi(uint w) {
    return vec4((w >> 4) & 0xFu, (w >> 12) & 0xFu, (w >> 20) & 0xFu, w >> 28);
}

// Low nibbles of the four bytes of w as signed 4-bit integers (-8...7), byte 0 first.
vec4 nibbles_lo_signed(uint w) {
    return vec4(int(w << 28) >> 28, int(w << 20) >> 28, int(w << 12) >> 28, int(w << 4) >> 28);
}

// High nibbles of the four bytes of w as signed 4-bit integers, byte 0 first.
vec4 nibbles_hi_signed(uint w) {
    return vec4(int(w << 24) >> 28, int(w << 16) >> 28, int(w << 8) >> 28, int(w) >> 28);
}

// The four bytes of w, each a 5-bit two's complement value in bits 0-4, as signed integers (-16...15).
vec4 bytes_signed5(uint w) {
    return vec4(int(w << 27) >> 27, int(w << 19) >> 27, int(w << 11) >> 27, int(w << 3) >> 27);
}

// The four bytes of w, each a 6-bit two's complement value in bits 0-5, as signed integers (-32...31).
vec4 bytes_signed6(uint w) {
    return vec4(int(w << 26) >> 26, int(w << 18) >> 26, int(w << 10) >> 26, int(w << 2) >> 26);
}

// The four bytes of w as signed 8-bit integers, byte 0 first.
vec4 bytes_signed(uint w) {
    return vec4(int(w << 24) >> 24, int(w << 16) >> 24, int(w << 8) >> 24, int(w) >> 24);
}

// Byte b (0-3) of w, unsigned.
uint byte_of(uint w, uint b) {
    return (w >> (8u * b)) & 0xFFu;
}

// The four bytes of w as unsigned integers, byte 0 first.
vec4 bytes_unsigned(uint w) {
    return vec4(w & 0xFFu, (w >> 8) & 0xFFu, (w >> 16) & 0xFFu, w >> 24);
}

// Bits 0-3 of h moved to bit 0 of bytes 0-3 (the four shifted copies do not overlap, so the
// product is their OR).
uint spread_bits4(uint h) {
    return ((h & 0xFu) * 0x00204081u) & 0x01010101u;
}

// The 2-bit fields 0-3 of h (bits 0-7) moved to bits 0-1 of bytes 0-3.
uint spread_pairs4(uint h) {
    uint even = ((h & 0x33u) * 0x1001u) & 0x00030003u;          // fields 0, 2 -> bytes 0, 2
    uint odd = (((h & 0xCCu) << 6) * 0x1001u) & 0x03000300u;    // fields 1, 3 -> bytes 1, 3
    return even | odd;
}
