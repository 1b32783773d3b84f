"""PyTorch side of the training-speed benchmark (run with Debian's /usr/bin/python3 and python3-torch).

The same GPT-2 as src/model (learned positions, pre-layer-norm blocks, fused qkv attention with a causal
mask, tanh-GELU 4x MLP, final layer norm, output layer tied to the token embedding, dropout 0.1) and the same
training step as bench/train-speed/tfjs-train.ts: forward, weighted cross-entropy over the next tokens,
backward, AdamW. Prints one JSON line with tokens per second.

    /usr/bin/python3 bench/train-speed/torch_train.py [--layers 4] [--embd 256] [--heads 4] [--seq 128]
        [--batch 8] [--vocab 50264] [--steps 5] [--warmup 1] [--threads 2]
"""
import argparse
import json
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, c, h, p):
        super().__init__()
        self.h = h
        self.ln_1 = nn.LayerNorm(c, eps=1e-5)
        self.c_attn = nn.Linear(c, 3 * c)
        self.c_proj = nn.Linear(c, c)
        self.ln_2 = nn.LayerNorm(c, eps=1e-5)
        self.c_fc = nn.Linear(c, 4 * c)
        self.mlp_proj = nn.Linear(4 * c, c)
        self.drop = nn.Dropout(p)

    def attention(self, x, mask):
        b, t, c = x.shape
        d = c // self.h
        q, k, v = self.c_attn(x).split(c, dim=2)
        q, k, v = (m.view(b, t, self.h, d).transpose(1, 2) for m in (q, k, v))
        scores = (q / math.sqrt(d)) @ k.transpose(-2, -1) + mask
        probs = self.drop(torch.softmax(scores, dim=-1))
        ctx = (probs @ v).transpose(1, 2).reshape(b, t, c)
        return self.c_proj(ctx)

    def forward(self, x, mask):
        x = x + self.drop(self.attention(self.ln_1(x), mask))
        m = self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))
        return x + self.drop(m)


class GPT2(nn.Module):
    def __init__(self, vocab, positions, c, layers, heads, p=0.1):
        super().__init__()
        self.wte = nn.Embedding(vocab, c)
        self.wpe = nn.Embedding(positions, c)
        self.drop = nn.Dropout(p)
        self.blocks = nn.ModuleList(Block(c, heads, p) for _ in range(layers))
        self.ln_f = nn.LayerNorm(c, eps=1e-5)
        for name, w in self.named_parameters():
            if w.dim() == 2:
                std = 0.02 / math.sqrt(2 * layers) if name.endswith(("c_proj.weight", "mlp_proj.weight")) else 0.02
                nn.init.normal_(w, 0.0, std)
            elif name.endswith("bias"):
                nn.init.zeros_(w)

    def forward(self, tokens):
        b, t = tokens.shape
        mask = torch.full((t, t), -1e9).triu(1)
        x = self.drop(self.wte(tokens) + self.wpe(torch.arange(t)))
        for blk in self.blocks:
            x = blk(x, mask)
        return self.ln_f(x) @ self.wte.weight.t()  # tied output layer


def main():
    ap = argparse.ArgumentParser()
    for name, default in [("layers", 4), ("embd", 256), ("heads", 4), ("seq", 128), ("batch", 8), ("vocab", 50264),
                          ("steps", 5), ("warmup", 1), ("threads", 2)]:
        ap.add_argument(f"--{name}", type=int, default=default)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = GPT2(a.vocab, max(256, a.seq), a.embd, a.layers, a.heads)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
    g = torch.Generator().manual_seed(1)
    tokens = torch.randint(0, a.vocab, (a.batch, a.seq), generator=g)
    # Same target-type mix as the TF.js side: position 0 untrained, every 5th token an answer, the rest context.
    idx = torch.arange(a.batch * a.seq)
    types = torch.where(idx % a.seq == 0, 0, torch.where(idx % 5 == 0, 4, 1)).view(a.batch, a.seq)
    tgt_types = torch.zeros_like(types)
    tgt_types[:, :-1] = types[:, 1:]
    targets = torch.zeros_like(tokens)
    targets[:, :-1] = tokens[:, 1:]
    ctx = (tgt_types == 1).float()
    inf = ((tgt_types == 4) | (tgt_types == 5)).float()
    weights = (ctx / ctx.sum().clamp(min=1) + inf / inf.sum().clamp(min=1)).view(-1)

    def step():
        opt.zero_grad(set_to_none=True)
        logits = model(tokens)
        nll = F.cross_entropy(logits.view(-1, a.vocab), targets.view(-1), reduction="none")
        loss = (nll * weights).sum()
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(a.warmup):
        step()
    times = []
    loss = float("nan")
    for _ in range(a.steps):
        t0 = time.perf_counter()
        loss = step()
        times.append(time.perf_counter() - t0)
    median = sorted(times)[len(times) // 2]
    print(json.dumps({
        "impl": "pytorch",
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "config": {"layers": a.layers, "embd": a.embd, "heads": a.heads, "seq": a.seq, "batch": a.batch, "vocab": a.vocab},
        "parameters": sum(p.numel() for p in model.parameters()),
        "stepSeconds": [round(t, 3) for t in times],
        "medianStepSeconds": round(median, 3),
        "tokensPerSecond": round(a.batch * a.seq / median),
        "finalLoss": loss,
    }))


if __name__ == "__main__":
    main()
