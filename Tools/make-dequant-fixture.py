#!/usr/bin/env python3
"""Writes Tests/AugurTests/Fixtures/dequant-fixture.json: blocks of each GGUF tensor type the exact
reference reads, with the values the `gguf` Python package (gguf.quants) dequantizes them to.

Blocks come from the real model files where a model holds the type (SmolLM2-135M Q4_1 and
Qwen2.5-Coder-0.5B Q4_K_M: f32, q4_1, q5_0, q8_0, q4_K, q6_K) and are synthesised from a seeded
generator otherwise (f16, q4_0, q5_1, q5_K); one synthesised block of every type adds random
quant and scale bytes (and zeros, subnormals and extremes for f32 and f16), its fp16 scale fields
drawn as ordinary numbers so no block decodes to inf or NaN. Each block's bytes and its float32 values are hex (values as the
float32 bit patterns, big-endian per value), so the test compares bits, not decimal strings.

    pip install gguf numpy
    python3 Tools/make-dequant-fixture.py   # models from $AUGUR_MODELS or ~/.cache/augur/models
"""
import json
import os
import sys

import numpy as np
from gguf import GGMLQuantizationType as T, GGUFReader, quants
from gguf.constants import GGML_QUANT_SIZES

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests/AugurTests/Fixtures/dequant-fixture.json")
MODELS = os.environ.get("AUGUR_MODELS") or os.path.expanduser("~/.cache/augur/models")
FILES = ["SmolLM2-135M-Instruct.Q4_1.gguf", "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"]
TYPES = [T.F32, T.F16, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q8_0, T.Q4_K, T.Q5_K, T.Q6_K]
NAMES = {T.F32: "f32", T.F16: "f16", T.Q4_0: "q4_0", T.Q4_1: "q4_1", T.Q5_0: "q5_0", T.Q5_1: "q5_1",
         T.Q8_0: "q8_0", T.Q4_K: "q4_k", T.Q5_K: "q5_k", T.Q6_K: "q6_k"}
PER_TYPE = 3      # blocks per type
ROW = 32          # elements per "block" of f32 and f16, whose blocks are single elements
rng = np.random.default_rng(27)


def unit(qtype):
    """(elements, bytes) of one fixture block of qtype."""
    elements, size = GGML_QUANT_SIZES[qtype]
    return (ROW, ROW * size) if elements == 1 else (elements, size)


def half(values):
    return np.asarray(values, dtype=np.float16).tobytes()


def synthetic(qtype):
    """Random quants and scale bytes, with each fp16 scale field an ordinary number."""
    elements, size = unit(qtype)
    if qtype == T.F32:
        special = [0.0, -0.0, 1.0e-40, -3.4e38, 1.0]  # zeros, a subnormal, an extreme
        return np.asarray(special + list(rng.normal(0, 2, elements - len(special))), dtype="<f4").tobytes()
    if qtype == T.F16:
        special = [0.0, -0.0, 6.1e-5, -5.96e-8, 3.0e-6, 65504.0, -65504.0, 1.0]  # normals, subnormals, extremes
        return half(special + list(rng.normal(0, 2, elements - len(special))))
    raw = bytearray(rng.integers(0, 256, size, dtype=np.uint8).tobytes())
    scales = {T.Q4_0: [0], T.Q4_1: [0, 2], T.Q5_1: [0, 2], T.Q5_0: [0], T.Q8_0: [0],
              T.Q4_K: [0, 2], T.Q5_K: [0, 2], T.Q6_K: [size - 2]}[qtype]
    for offset in scales:
        raw[offset:offset + 2] = half([rng.normal(0, 0.02)])
    return bytes(raw)


def real_blocks(qtype):
    """Up to PER_TYPE - 1 blocks of qtype from the model files, at seeded indexes: from the first
    tensor of that type in each file, then from a later one."""
    first, later = [], []
    for name in FILES:
        tensors = [t for t in readers[name].tensors if t.tensor_type == qtype]
        for t, into in zip(tensors[:1] + tensors[1:][len(tensors) // 2:][:1], (first, later)):
            elements, size = unit(qtype)
            index = int(rng.integers(0, t.n_bytes // size))
            start = t.data_offset + index * size
            into.append((bytes(readers[name].data[start:start + size]), f"{name} {t.name} block {index}"))
    return (first + later)[:PER_TYPE - 1]


readers = {}


def main():
    for name in FILES:
        path = os.path.join(MODELS, name)
        if not os.path.exists(path):
            sys.exit(f"missing {path}")
        readers[name] = GGUFReader(path)
    blocks = []
    for qtype in TYPES:
        chosen = real_blocks(qtype)
        while len(chosen) < PER_TYPE:
            chosen.append((synthetic(qtype), "synthetic"))
        for raw, source in chosen:
            values = quants.dequantize(np.frombuffer(raw, dtype=np.uint8), qtype).astype(np.float32).reshape(-1)
            assert values.size == unit(qtype)[0] and np.all(np.isfinite(values)), source
            blocks.append({"type": NAMES[qtype], "source": source, "bytes": raw.hex(),
                           "values": values.astype(">f4").tobytes().hex()})
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"generator": "Tools/make-dequant-fixture.py with gguf.quants", "blocks": blocks}, f, indent=1)
        f.write("\n")
    print(f"{OUT}: {len(blocks)} blocks, {os.path.getsize(OUT)} bytes")


if __name__ == "__main__":
    main()
