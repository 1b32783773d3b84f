"""Read a safetensors file into numpy arrays, for the independent Python references in bench/.

Parsed by hand (Debian ships no `safetensors` package, and the references must not share code with the
TypeScript loader they check): an 8-byte little-endian header length, a JSON header giving each tensor's
dtype, shape and byte range, then the raw little-endian data. BF16 is widened to float32 exactly (its 16 bits
are the top half of a float32).
"""
import json
import struct

import numpy as np

DTYPES = {"F32": "<f4", "F64": "<f8", "F16": "<f2", "I64": "<i8", "I32": "<i4", "U8": "u1", "BOOL": "u1"}


def read_safetensors(path, dtype=None):
    """Every tensor by name, in its stored dtype (BF16 as float32), or converted to `dtype` when given."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        chunk = raw[base + begin:base + end]
        if info["dtype"] == "BF16":
            arr = (np.frombuffer(chunk, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            arr = np.frombuffer(chunk, dtype=np.dtype(DTYPES[info["dtype"]]))
        arr = arr.reshape(info["shape"])
        out[name] = arr if dtype is None else arr.astype(dtype)
    return out
