#!/usr/bin/python3
"""Reference logits for a GPT-2 checkpoint, computed by an independent PyTorch implementation.

Written from the published formulas (Radford et al. 2019; Hugging Face's GPT2LMHeadModel layout) with plain
torch operations, without the transformers library, so that it shares no code with the TensorFlow.js model
it checks. It reads the checkpoint's config.json and model.safetensors (the safetensors format is parsed by
hand, bench/safetensors_numpy.py), runs the forward pass in float64 by default, and writes the logits as a float32 safetensors file
holding one tensor, "logits" [B, T, V].

Usage:
    /usr/bin/python3 bench/parity/make_reference.py MODEL_DIR TOKENS_JSON OUT_FILE [--dtype float32|float64]
TOKENS_JSON is a JSON list of equal-length token-id lists.
"""
import argparse
import json
import math
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from safetensors_numpy import read_safetensors  # noqa: E402  (bench/safetensors_numpy.py)


def write_safetensors(path, tensors):
    header = {}
    offset = 0
    blobs = []
    for name in sorted(tensors):
        arr = np.ascontiguousarray(tensors[name], dtype="<f4")
        header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [offset, offset + arr.nbytes]}
        offset += arr.nbytes
        blobs.append(arr.tobytes())
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def layer_norm(x, gain, bias, eps):
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps) * gain + bias


def gelu_tanh(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def forward(weights, cfg, tokens):
    """tokens: LongTensor [B, T] -> logits [B, T, V]."""
    def w(name):
        for key in (name, name[len("transformer."):]):
            if key in weights:
                return weights[key]
        raise KeyError(name)

    B, T = tokens.shape
    C = cfg["n_embd"]
    H = cfg["n_head"]
    D = C // H
    eps = cfg.get("layer_norm_epsilon", 1e-5)
    wte = w("transformer.wte.weight")
    x = wte[tokens] + w("transformer.wpe.weight")[:T]
    allowed = torch.tril(torch.ones(T, T, dtype=torch.bool))
    for layer in range(cfg["n_layer"]):
        p = "transformer.h.%d." % layer
        h = layer_norm(x, w(p + "ln_1.weight"), w(p + "ln_1.bias"), eps)
        qkv = h @ w(p + "attn.c_attn.weight") + w(p + "attn.c_attn.bias")
        q, k, v = qkv.split(C, dim=-1)
        q = q.view(B, T, H, D).transpose(1, 2)
        k = k.view(B, T, H, D).transpose(1, 2)
        v = v.view(B, T, H, D).transpose(1, 2)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(D)
        scores = scores.masked_fill(~allowed, float("-inf"))
        ctx = torch.softmax(scores, dim=-1) @ v
        ctx = ctx.transpose(1, 2).reshape(B, T, C)
        x = x + ctx @ w(p + "attn.c_proj.weight") + w(p + "attn.c_proj.bias")
        h = layer_norm(x, w(p + "ln_2.weight"), w(p + "ln_2.bias"), eps)
        m = gelu_tanh(h @ w(p + "mlp.c_fc.weight") + w(p + "mlp.c_fc.bias"))
        x = x + m @ w(p + "mlp.c_proj.weight") + w(p + "mlp.c_proj.bias")
    x = layer_norm(x, w("transformer.ln_f.weight"), w("transformer.ln_f.bias"), eps)
    return x @ wte.T


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model_dir")
    parser.add_argument("tokens_json")
    parser.add_argument("out_file")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float64")
    args = parser.parse_args()
    torch.set_num_threads(1)
    with open(os.path.join(args.model_dir, "config.json")) as f:
        cfg = json.load(f)
    dtype = torch.float64 if args.dtype == "float64" else torch.float32
    weights = {k: torch.from_numpy(v).to(dtype) for k, v in read_safetensors(os.path.join(args.model_dir, "model.safetensors"), np.float64).items()}
    with open(args.tokens_json) as f:
        tokens = torch.tensor(json.load(f), dtype=torch.long)
    with torch.no_grad():
        logits = forward(weights, cfg, tokens)
    write_safetensors(args.out_file, {"logits": logits.to(torch.float64).numpy()})
    print("wrote %s: logits %s (%s)" % (args.out_file, list(logits.shape), args.dtype), file=sys.stderr)


if __name__ == "__main__":
    main()
