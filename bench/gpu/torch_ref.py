"""PyTorch reference of the GPU kit: the same GPT-2 and training step as the webgpu run, on the same GPU.

The model and step are those of bench/train-speed/torch_train.py (copied next to this file in the kit), moved to
a device: forward, weighted cross-entropy over the next tokens, backward, AdamW. Two runs: FP32 with TF32 off
(the webgpu backend computes in FP32) and bf16 autocast (what a PyTorch user would run). Prints one JSON object;
without torch or without CUDA it prints {"skipped": reason} and exits 0.

    python3 torch_ref.py [--layers 12] [--embd 768] [--heads 12] [--seq 256] [--batch 8] [--vocab 50264]
        [--steps 10] [--warmup 2] [--device cuda]
"""
import argparse
import json
import math
import sys
import time


def skip(reason):
    print(json.dumps({"skipped": reason}))
    sys.exit(0)


try:
    import torch
    import torch.nn.functional as F
except Exception as err:  # noqa: BLE001 - any import failure means: no reference here
    skip(f"PyTorch not importable: {err}")

from torch_train import GPT2 as CpuGPT2  # noqa: E402


class GPT2(CpuGPT2):
    """torch_train's model with its mask and positions made on the input's device."""

    def forward(self, tokens):
        b, t = tokens.shape
        mask = torch.full((t, t), -1e9, device=tokens.device).triu(1)
        x = self.drop(self.wte(tokens) + self.wpe(torch.arange(t, device=tokens.device)))
        for blk in self.blocks:
            x = blk(x, mask)
        return self.ln_f(x) @ self.wte.weight.t()


def run(a, device, autocast):
    torch.manual_seed(0)
    model = GPT2(a.vocab, max(1024, a.seq), a.embd, a.layers, a.heads).to(device)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
    g = torch.Generator().manual_seed(1)
    tokens = torch.randint(0, a.vocab, (a.batch, a.seq), generator=g).to(device)
    targets = torch.zeros_like(tokens)
    targets[:, :-1] = tokens[:, 1:]
    weights = torch.ones(a.batch * a.seq, device=device)
    weights.view(a.batch, a.seq)[:, -1] = 0
    weights /= weights.sum()
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)

    def step():
        opt.zero_grad(set_to_none=True)
        with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=autocast):
            logits = model(tokens)
            nll = F.cross_entropy(logits.float().view(-1, a.vocab), targets.view(-1), reduction="none")
            loss = (nll * weights).sum()
        loss.backward()
        opt.step()
        return loss

    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    for _ in range(a.warmup):
        step()
    sync()
    times = []
    loss = None
    for _ in range(a.steps):
        t0 = time.perf_counter()
        loss = step()
        sync()
        times.append(time.perf_counter() - t0)
    median = sorted(times)[len(times) // 2]
    out = {
        "stepSeconds": [round(t, 4) for t in times],
        "medianStepSeconds": round(median, 4),
        "tokensPerSecond": round(a.batch * a.seq / median),
        "finalLoss": float(loss),
    }
    if device == "cuda":
        out["peakMemoryBytes"] = torch.cuda.max_memory_allocated()
    del model, opt
    if device == "cuda":
        torch.cuda.empty_cache()
    return out


def main():
    ap = argparse.ArgumentParser()
    for name, default in [("layers", 12), ("embd", 768), ("heads", 12), ("seq", 256), ("batch", 8), ("vocab", 50264),
                          ("steps", 10), ("warmup", 2)]:
        ap.add_argument(f"--{name}", type=int, default=default)
    ap.add_argument("--device", default="cuda", help="cuda (the reference); cpu only to try the script")
    a = ap.parse_args()
    if a.device == "cuda" and not torch.cuda.is_available():
        skip(f"PyTorch {torch.__version__} sees no CUDA device")
    # FP32 as the webgpu backend computes: no TF32 in matrix products or convolutions.
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    result = {
        "torch": torch.__version__,
        "device": torch.cuda.get_device_name(0) if a.device == "cuda" else "cpu",
        "config": {"layers": a.layers, "embd": a.embd, "heads": a.heads, "seq": a.seq, "batch": a.batch, "vocab": a.vocab},
        "fp32": run(a, a.device, autocast=False),
    }
    if a.device == "cuda" and torch.cuda.is_bf16_supported():
        result["bf16Autocast"] = run(a, a.device, autocast=True)
    else:
        result["bf16Autocast"] = {"skipped": "bf16 autocast not supported on this device"}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
