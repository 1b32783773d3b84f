#!/usr/bin/python3
"""An independent BERT / RoBERTa encoder, WordPiece and byte-level BPE tokenizers in plain PyTorch / Python, to
check ours against.

Written from the formulas (Devlin et al. 2019; Vaswani et al. 2017; Liu et al. 2019 for RoBERTa) and Hugging
Face's BertModel / RobertaModel parameter layouts, with plain torch operations and without the transformers
library, so that it shares no code with the TensorFlow.js model it checks. The safetensors file is parsed by
hand (bench/safetensors_numpy.py). config.json's model_type selects RoBERTa: "roberta." name prefix, position
ids counted from pad_token_id + 1 over the tokens that are not <pad> (padding itself at pad_token_id).

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
  reference.py tokenize-bpe MODEL_DIR TEXTS_JSON OUT_JSON [--max-tokens 512]
      RoBERTa ids of each text, <s> ... </s>, from vocab.json and merges.txt (byte-level BPE: Sennrich et al.
      2016; Radford et al. 2019), with GPT-2's pre-tokenization written out as a scanner over Unicode categories.
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
    prefix = "roberta." if cfg.get("model_type") == "roberta" else "bert."
    weights = {}
    for name, t in raw.items():
        key = name[len(prefix):] if name.startswith(prefix) else name
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


def position_ids(cfg, ids):
    """BERT: 0..T-1. RoBERTa: pad + (count of non-pad tokens so far) for a non-pad token, pad for <pad>."""
    B, T = ids.shape
    if cfg.get("model_type") != "roberta":
        return torch.arange(T)[None].expand(B, T)
    pad = cfg.get("pad_token_id", 1)
    real = (ids != pad).long()
    return torch.cumsum(real, dim=1) * real + pad


def forward(cfg, w, ids, mask):
    """ids, mask: [B, T] -> final hidden states [B, T, H]; every step written out."""
    B, T = ids.shape
    H = cfg["hidden_size"]
    nh = cfg["num_attention_heads"]
    d = H // nh
    eps = cfg.get("layer_norm_eps", 1e-12)
    act = cfg.get("hidden_act", "gelu")
    pos = position_ids(cfg, ids)
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][pos] \
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
    x = F.embedding(ids, w["embeddings.word_embeddings.weight"]) + F.embedding(position_ids(cfg, ids), w["embeddings.position_embeddings.weight"]) \
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


# ----------------------------------------------------------------------------------------- byte-level BPE

def byte_chars():
    """Byte -> character: printable Latin-1 bytes (33-126, 161-172, 174-255) stay; the rest go to 256, 257, ..."""
    keep = set(range(33, 127)) | set(range(161, 173)) | set(range(174, 256))
    table, extra = {}, 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


# Unicode's White_Space property (PropList.txt), what \s means to the `regex` module and to Oniguruma; Python's
# str.isspace() would add U+001C..U+001F.
WHITE_SPACE = set("\t\n\x0b\x0c\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | {chr(c) for c in range(0x2000, 0x200B)}


def gpt2_pieces(text):
    """GPT-2's pattern 's|'t|'re|'ve|'m|'ll|'d| ?L+| ?N+| ?[^sLN]+|s+(?!S)|s+ as a left-to-right scanner."""
    def kind(c):
        if c in WHITE_SPACE:
            return "s"
        cat = unicodedata.category(c)
        return "L" if cat[0] == "L" else "N" if cat[0] == "N" else "o"

    out, i, n = [], 0, len(text)
    while i < n:
        if text[i] == "'":
            hit = next((c for c in ("s", "t", "re", "ve", "m", "ll", "d") if text.startswith(c, i + 1)), None)
            if hit is not None:
                out.append("'" + hit)
                i += 1 + len(hit)
                continue
        start = i + 1 if text[i] == " " and i + 1 < n and kind(text[i + 1]) != "s" else i
        k = kind(text[start])
        if k != "s":
            j = start + 1
            while j < n and kind(text[j]) == k:
                j += 1
            out.append(text[i:j])
            i = j
            continue
        j = i
        while j < n and kind(text[j]) == "s":
            j += 1
        if j < n and j - i > 1:
            j -= 1  # the last space goes with the next word
        out.append(text[i:j])
        i = j
    return out


def bpe_ids(text, vocab, ranks, max_tokens, prefix_space=False):
    table = byte_chars()
    if prefix_space and text and not text.startswith(" "):
        text = " " + text
    symbols_all = []
    for piece in gpt2_pieces(text):
        word = [table[b] for b in piece.encode("utf-8")]
        while len(word) > 1:
            pairs = [(ranks.get((word[k], word[k + 1])), k) for k in range(len(word) - 1)]
            pairs = [p for p in pairs if p[0] is not None]
            if not pairs:
                break
            best = min(pairs)[0]
            left, right = next((word[k], word[k + 1]) for r, k in pairs if r == best)
            merged, k = [], 0
            while k < len(word):
                if k + 1 < len(word) and word[k] == left and word[k + 1] == right:
                    merged.append(left + right)
                    k += 2
                else:
                    merged.append(word[k])
                    k += 1
            word = merged
        symbols_all.extend(word)
    ids = [vocab.get(s, vocab["<unk>"]) for s in symbols_all][:max_tokens - 2]
    return [vocab["<s>"]] + ids + [vocab["</s>"]]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["forward", "speed", "tokenize", "tokenize-bpe"])
    ap.add_argument("model_dir")
    ap.add_argument("input")
    ap.add_argument("out", nargs="?")
    ap.add_argument("--dtype", default="float64")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--max-tokens", type=int, default=512)
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
    if a.mode == "tokenize-bpe":
        with open(os.path.join(a.model_dir, "vocab.json"), encoding="utf-8") as f:
            vocab = json.load(f)
        ranks = {}
        with open(os.path.join(a.model_dir, "merges.txt"), encoding="utf-8") as f:
            for i, line in enumerate(f.read().split("\n")):
                if not line or (i == 0 and line.startswith("#version")):
                    continue
                left, right = line.split(" ")
                ranks.setdefault((left, right), len(ranks))
        tc_file = os.path.join(a.model_dir, "tokenizer_config.json")
        tc = json.load(open(tc_file)) if os.path.exists(tc_file) else {}
        with open(a.out, "w") as f:
            json.dump([bpe_ids(t, vocab, ranks, a.max_tokens, tc.get("add_prefix_space", False)) for t in data], f)
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
