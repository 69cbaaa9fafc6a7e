#version 450
// Copies rows of fp16 KV cache words (keys and values together) from one place to another:
// row t of the source, at slot srcSlots[t], goes to slot dstSlots[t] of the destination. Both
// lists live in one uint buffer (offsets in push constants), so a recorded sequence can be
// submitted again with new slots. Used in two passes to keep a token tree's accepted path: gather
// the path's rows out of the cache into a scratch buffer, then scatter them to consecutive slots
// (one pass could read a row that another invocation is overwriting). A slot >= its side's
// capacity is skipped. One invocation per (row, word); bits are copied, never converted, so a row's
// copy is the same however many rows move together (no arithmetic to contract).
#include "../common/header.glsl"

layout(std430, binding = 0) readonly buffer SourceKeys { uint SK[]; };
layout(std430, binding = 1) readonly buffer SourceValues { uint SV[]; };
layout(std430, binding = 2) readonly buffer Slots { uint slots[]; };
layout(std430, binding = 3) writeonly buffer TargetKeys { uint TK[]; };
layout(std430, binding = 4) writeonly buffer TargetValues { uint TV[]; };

layout(push_constant) uniform Params {
    uint rows;
    uint rowWords;         // uints per slot
    uint srcSlotOffset;    // first entry of the source slot list in slots[]
    uint dstSlotOffset;    // first entry of the target slot list in slots[]
    uint srcCapacity;      // slots on the source side
    uint dstCapacity;      // slots on the target side
    uint srcKeyOffset;     // first uint of the source keys
    uint srcValueOffset;   // first uint of the source values
    uint dstKeyOffset;     // first uint of the target keys
    uint dstValueOffset;   // first uint of the target values
} p;

void main() {
    // Flat index folded over two axes (see Grid.swift).
    uint id = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WORKGROUP_SIZE;
    uint row = id / p.rowWords, w = id % p.rowWords;
    if (row >= p.rows) return;
    uint from = slots[p.srcSlotOffset + row], to = slots[p.dstSlotOffset + row];
    if (from >= p.srcCapacity || to >= p.dstCapacity) return;
    TK[p.dstKeyOffset + to * p.rowWords + w] = SK[p.srcKeyOffset + from * p.rowWords + w];
    TV[p.dstValueOffset + to * p.rowWords + w] = SV[p.srcValueOffset + from * p.rowWords + w];
}
