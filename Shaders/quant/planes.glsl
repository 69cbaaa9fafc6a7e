// Planes A and B of a weight matrix (README.md), bound at 0 and 1: storage buffers, or with
// TEXEL_PLANES uniform texel buffers (one fetch per element, cheaper than a storage load on CPU
// devices). Kernels read them through LOAD_A(i) (uvec4) and LOAD_B(i) (uint).
#ifdef TEXEL_PLANES
layout(binding = 0) uniform usamplerBuffer PlaneA;
layout(binding = 1) uniform usamplerBuffer PlaneB;
#define LOAD_A(i) texelFetch(PlaneA, int(i))
#define LOAD_B(i) texelFetch(PlaneB, int(i)).x
#else
layout(std430, binding = 0) readonly buffer QuantPlane { uvec4 A[]; };
layout(std430, binding = 1) readonly buffer SidePlane { uint B[]; };
#define LOAD_A(i) A[i]
#define LOAD_B(i) B[i]
#endif
