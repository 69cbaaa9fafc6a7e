// Planes A and B of a weight matrix (README.md), bound at 0 and 1: storage buffers, or with
// TEXEL_PLANES uniform texel buffers (one fetch per element, cheaper than a storage load on CPU
// devices). Kernels read them through LOAD_A(i) (uvec4), LOAD_B(i) (uint) and LOAD_B4(i) (the
// uvec4 of words i...i+3, i a multiple of 4).
#ifdef TEXEL_PLANES
layout(binding = 0) uniform usamplerBuffer PlaneA;
layout(binding = 1) uniform usamplerBuffer PlaneB;
#ifdef PLANE_B_WORDS
#define LOAD_B(i) texelFetch(PlaneB, int(i)).x
#define LOAD_B4(i) uvec4(LOAD_B(i), LOAD_B((i) + 1u), LOAD_B((i) + 2u), LOAD_B((i) + 3u))
#else
#define LOAD_B(i) texelFetch(PlaneB, int((i) >> 2))[(i) & 3u]
#define LOAD_B4(i) texelFetch(PlaneB, int((i) >> 2))
#endif
#define LOAD_A(i) texelFetch(PlaneA, int(i))
#else
layout(std430, binding = 0) readonly buffer QuantPlane { uvec4 A[]; };
layout(std430, binding = 1) readonly buffer SidePlane { uint B[]; };
#define LOAD_A(i) A[i]
#define LOAD_B(i) B[i]
#define LOAD_B4(i) uvec4(B[i], B[(i) + 1u], B[(i) + 2u], B[(i) + 3u])
#endif
