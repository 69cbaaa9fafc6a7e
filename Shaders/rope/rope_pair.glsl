// RoPE applied while loading: ROPE_PAIR(NAME, ARRAY) defines
//   vec2 NAME(uint head, uint d, uint position, uint dims)
// which returns dims d and d + 1 (d even) of the head whose first float is ARRAY[head], rotated
// to `position` (already clamped to the table): the KV write rotates keys and attention rotates
// queries this way, so no pass of its own rewrites them. The formulas are rope.comp's. Pairs are
// (2i, 2i+1), or (i, i + dims/2) with ROPE_NEOX (then dims is a multiple of 4, so d and d + 1 lie
// in the same half). Dims from `dims` on are not rotated. The including shader declares
// `RopeTable { vec2 cs[]; }`: [position][dims / 2] of (cos, sin). The result is `precise` (no
// product fused into the add), as in rope.comp.
#ifdef ROPE_NEOX
#define ROPE_PAIR(NAME, ARRAY)                                                                    \
vec2 NAME(uint head, uint d, uint position, uint dims) {                                          \
    vec2 x = vec2(ARRAY[head + d], ARRAY[head + d + 1u]);                                         \
    if (d >= dims) return x;                                                                      \
    uint half_ = dims / 2u;                                                                       \
    bool first = d < half_;                                                                       \
    uint i = first ? d : d - half_, partner = first ? head + d + half_ : head + d - half_;         \
    vec2 other = vec2(ARRAY[partner], ARRAY[partner + 1u]);                                       \
    vec2 c0 = cs[position * half_ + i], c1 = cs[position * half_ + i + 1u];                       \
    precise vec2 y = first ? vec2(x.x * c0.x - other.x * c0.y, x.y * c1.x - other.y * c1.y)       \
                           : vec2(other.x * c0.y + x.x * c0.x, other.y * c1.y + x.y * c1.x);      \
    return y;                                                                                     \
}
#else
#define ROPE_PAIR(NAME, ARRAY)                                                                    \
vec2 NAME(uint head, uint d, uint position, uint dims) {                                          \
    vec2 x = vec2(ARRAY[head + d], ARRAY[head + d + 1u]);                                         \
    if (d >= dims) return x;                                                                      \
    vec2 c = cs[position * (dims / 2u) + d / 2u];                                                 \
    precise vec2 y = vec2(x.x * c.x - x.y * c.y, x.x * c.y + x.y * c.x);                          \
    return y;                                                                                     \
}
#endif
