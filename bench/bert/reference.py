#!/usr/bin/python3
"""An independent BERT encoder and WordPiece tokenizer in plain PyTorch / Python, to check ours against.

Written from the formulas (Devlin et al. 2019; Vaswani et al. 2017) and Hugging Face's BertModel parameter
layout, with plain torch operations and without the transformers library, so that it shares no code with the
TensorFlow.js model it checks. The safetensors file is parsed by hand (bench/safetensors_numpy.py).

Modes:
  reference.py forward MODEL_DIR INPUT_JSON OUT_JSON [--dtype float64|float32]
      INPUT_JSON: {"ids": [[...]], "mask": [[...]]} (a padded batch). Writes {"hidden": [...], "pooled": [...],
      "shape": [B, T, H]} (row-major, float values): final hidden states and the mean over mask = 1.
  reference.py speed MODEL_DIR INPUT_JSON [--threads 2] [--rounds 2]
      INPUT_JSON: {"batches": [{"ids": ..., "mask": ...}, ...]}. Runs every batch in float32 under no_grad with
      torch's own fused operations (F.linear, F.layer_norm, F.gelu, softmax), as a PyTorch user would, after
      one warm-up batch; prints one JSON line {"texts", "seconds", "textsPerSecond", ...} for the best round.
  reference.py tokenize MODEL_DIR TEXTS_JSON OUT_JSON
      WordPiece pieces of each text (list of strings), from vocab.txt and tokenizer_config.json.
"""
import argparse
import json
import math
import os
import sys
import time
import unicodedata

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from safetensors_numpy import read_safetensors as read_arrays  # noqa: E402  (bench/safetensors_numpy.py)


def read_safetensors(path, dtype):
    return {name: torch.from_numpy(arr) for name, arr in read_arrays(path, dtype).items()}


def load(model_dir, dtype):
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    raw = read_safetensors(os.path.join(model_dir, "model.safetensors"), dtype)
    weights = {}
    for name, t in raw.items():
        key = name[5:] if name.startswith("bert.") else name
        key = key.replace("LayerNorm.gamma", "LayerNorm.weight").replace("LayerNorm.beta", "LayerNorm.bias")
        weights[key] = t
    return cfg, weights


# ----------------------------------------------------------------------------------------- from the formulas

def layer_norm(x, gain, bias, eps):
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps) * gain + bias


def gelu(x, act):
    if act in ("gelu", "gelu_python"):
        return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))
    if act in ("gelu_new", "gelu_pytorch_tanh", "gelu_fast"):
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))
    if act == "relu":
        return torch.clamp(x, min=0)
    raise ValueError(act)


def forward(cfg, w, ids, mask):
    """ids, mask: [B, T] -> final hidden states [B, T, H]; every step written out."""
    B, T = ids.shape
    H = cfg["hidden_size"]
    nh = cfg["num_attention_heads"]
    d = H // nh
    eps = cfg.get("layer_norm_eps", 1e-12)
    act = cfg.get("hidden_act", "gelu")
    pos = torch.arange(T)
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][pos][None] \
        + w["embeddings.token_type_embeddings.weight"][0][None, None]
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    neg = torch.where(mask[:, None, None, :] > 0, torch.zeros((), dtype=x.dtype), torch.full((), -1e9, dtype=x.dtype))
    for l in range(cfg["num_hidden_layers"]):
        p = "encoder.layer.%d." % l

        def lin(t, name):
            return t @ w[p + name + ".weight"].T + w[p + name + ".bias"]

        def split(t):
            return t.reshape(B, T, nh, d).permute(0, 2, 1, 3)

        q = split(lin(x, "attention.self.query"))
        k = split(lin(x, "attention.self.key"))
        v = split(lin(x, "attention.self.value"))
        scores = q @ k.transpose(-1, -2) / math.sqrt(d) + neg
        scores = scores - scores.max(dim=-1, keepdim=True).values
        e = torch.exp(scores)
        probs = e / e.sum(dim=-1, keepdim=True)
        ctx = (probs @ v).permute(0, 2, 1, 3).reshape(B, T, H)
        x = layer_norm(x + lin(ctx, "attention.output.dense"), w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], eps)
        inner = gelu(lin(x, "intermediate.dense"), act)
        x = layer_norm(x + lin(inner, "output.dense"), w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)
    return x


def mean_pool(h, mask):
    m = mask.to(h.dtype)[:, :, None]
    return (h * m).sum(dim=1) / m.sum(dim=1)


# ----------------------------------------------------------------------------------------- the fast path

def forward_fast(cfg, w, ids, mask):
    """The same network with torch's fused operations (float32), for the speed comparison."""
    B, T = ids.shape
    H = cfg["hidden_size"]
    nh = cfg["num_attention_heads"]
    d = H // nh
    eps = cfg.get("layer_norm_eps", 1e-12)
    approx = "none" if cfg.get("hidden_act", "gelu") == "gelu" else "tanh"
    x = F.embedding(ids, w["embeddings.word_embeddings.weight"]) + w["embeddings.position_embeddings.weight"][:T][None] \
        + w["embeddings.token_type_embeddings.weight"][0]
    x = F.layer_norm(x, (H,), w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    neg = (1.0 - mask[:, None, None, :].to(x.dtype)) * -1e9
    for l in range(cfg["num_hidden_layers"]):
        p = "encoder.layer.%d." % l
        lw = lambda name: (w[p + name + ".weight"], w[p + name + ".bias"])
        q = F.linear(x, *lw("attention.self.query")).view(B, T, nh, d).transpose(1, 2)
        k = F.linear(x, *lw("attention.self.key")).view(B, T, nh, d).transpose(1, 2)
        v = F.linear(x, *lw("attention.self.value")).view(B, T, nh, d).transpose(1, 2)
        probs = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d) + neg, dim=-1)
        ctx = torch.matmul(probs, v).transpose(1, 2).reshape(B, T, H)
        x = F.layer_norm(x + F.linear(ctx, *lw("attention.output.dense")), (H,), *lw("attention.output.LayerNorm"), eps)
        inner = F.gelu(F.linear(x, *lw("intermediate.dense")), approximate=approx)
        x = F.layer_norm(x + F.linear(inner, *lw("output.dense")), (H,), *lw("output.LayerNorm"), eps)
    return mean_pool(x, mask)


# ----------------------------------------------------------------------------------------- WordPiece

def is_whitespace(ch):
    return ch in " \t\n\r" or unicodedata.category(ch) == "Zs"


def is_control(ch):
    return ch not in "\t\n\r" and unicodedata.category(ch).startswith("C")


def is_punct(ch):
    cp = ord(ch)
    return 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126 or unicodedata.category(ch).startswith("P")


def is_cjk(cp):
    return any(a <= cp <= b for a, b in ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
                                         (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F)))


def strip_accents(s):
    return "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn")


def wordpiece_tokenize(text, vocab, lower, strip):
    cleaned = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or is_control(ch):
            continue
        if is_whitespace(ch):
            cleaned.append(" ")
        elif is_cjk(cp):
            cleaned.append(" " + ch + " ")
        else:
            cleaned.append(ch)
    words = []
    for word in unicodedata.normalize("NFC", "".join(cleaned)).split():
        if lower:
            word = word.lower()
            if strip is not False:
                word = strip_accents(word)
        elif strip:
            word = strip_accents(word)
        cur = ""
        for ch in word:
            if is_punct(ch):
                if cur:
                    words.append(cur)
                words.append(ch)
                cur = ""
            else:
                cur += ch
        if cur:
            words.append(cur)
    pieces = []
    for word in words:
        if len(word) > 100:
            pieces.append("[UNK]")
            continue
        start, out = 0, []
        while start < len(word):
            end = len(word)
            found = None
            while end > start:
                sub = ("##" if start > 0 else "") + word[start:end]
                if sub in vocab:
                    found = sub
                    break
                end -= 1
            if found is None:
                out = ["[UNK]"]
                break
            out.append(found)
            start = end
        pieces.extend(out)
    return pieces


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["forward", "speed", "tokenize"])
    ap.add_argument("model_dir")
    ap.add_argument("input")
    ap.add_argument("out", nargs="?")
    ap.add_argument("--dtype", default="float64")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    with open(a.input) as f:
        data = json.load(f)
    if a.mode == "tokenize":
        with open(os.path.join(a.model_dir, "vocab.txt"), encoding="utf-8") as f:
            vocab = {line.rstrip("\n"): i for i, line in enumerate(f)}
        with open(os.path.join(a.model_dir, "tokenizer_config.json")) as f:
            tc = json.load(f)
        lower = tc.get("do_lower_case", True)
        strip = tc.get("strip_accents", None)
        with open(a.out, "w") as f:
            json.dump([wordpiece_tokenize(t, vocab, lower, strip) for t in data], f)
        return
    if a.mode == "forward":
        dtype = np.float64 if a.dtype == "float64" else np.float32
        cfg, w = load(a.model_dir, dtype)
        ids = torch.tensor(data["ids"], dtype=torch.long)
        mask = torch.tensor(data["mask"], dtype=torch.long)
        with torch.no_grad():
            h = forward(cfg, w, ids, mask)
            pooled = mean_pool(h, mask)
        with open(a.out, "w") as f:
            json.dump({"shape": list(h.shape), "hidden": h.reshape(-1).tolist(), "pooled": pooled.reshape(-1).tolist()}, f)
        return
    cfg, w = load(a.model_dir, np.float32)
    batches = [(torch.tensor(b["ids"], dtype=torch.long), torch.tensor(b["mask"], dtype=torch.long)) for b in data["batches"]]
    texts = sum(int(b[0].shape[0]) for b in batches)
    tokens = sum(int(b[1].sum()) for b in batches)
    best = None
    with torch.no_grad():
        forward_fast(cfg, w, *batches[0])  # warm-up
        for _ in range(a.rounds):
            t0 = time.perf_counter()
            for ids, mask in batches:
                forward_fast(cfg, w, ids, mask)
            dt = time.perf_counter() - t0
            best = dt if best is None else min(best, dt)
    print(json.dumps({"texts": texts, "tokens": tokens, "seconds": round(best, 3), "textsPerSecond": round(texts / best, 3),
                      "threads": torch.get_num_threads(), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
