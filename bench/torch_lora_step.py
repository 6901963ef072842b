#!/usr/bin/env python3
"""PyTorch-eager counterpart of TrainBenchmark's LoRA mode (Debian's python3-torch, no transformers).

opt-125m shapes (vocab 50272, hidden 768, 12 layers, 12 heads, ffn 3072, pre-LN, learned positions
with offset 2, tied lm_head), random weights, fp32; LoRA r=16 alpha=32 on q_proj and v_proj
(dropout 0), OPT's dropout 0.1 on the attention output and after fc2 as in training mode; batch 4 x
128 tokens, all attended; shifted cross-entropy; torch.optim.AdamW(lr=1e-4, weight_decay=0) over the
LoRA weights only. Prints the median step time and tokens/s, and a last line
"RESULT tokens_per_s=...".

Usage: $PEFT_BENCH_PYTHON bench/torch_lora_step.py [warmup] [timed] [--full] [--threads=N]
(any Python with torch; bench/vs-peft.sh runs it as the second column next to real PEFT)
"""
import resource
import statistics
import sys
import time

import torch
import torch.nn.functional as F

VOCAB, HIDDEN, LAYERS, HEADS, FFN, MAXPOS = 50272, 768, 12, 12, 3072, 2048
BATCH, SEQ, R, ALPHA, DROPOUT = 4, 128, 16, 32, 0.1


class LoraLinear(torch.nn.Module):
    def __init__(self, i, o, r=0):
        super().__init__()
        self.base = torch.nn.Linear(i, o)
        self.r = r
        if r:
            self.lora_A = torch.nn.Parameter(torch.randn(r, i) * 0.02)
            self.lora_B = torch.nn.Parameter(torch.zeros(o, r))
            self.scaling = ALPHA / r

    def forward(self, x):
        y = self.base(x)
        if self.r:
            y = y + (x @ self.lora_A.t() @ self.lora_B.t()) * self.scaling
        return y


class Layer(torch.nn.Module):
    def __init__(self, r):
        super().__init__()
        self.ln1 = torch.nn.LayerNorm(HIDDEN)
        self.q = LoraLinear(HIDDEN, HIDDEN, r)
        self.k = LoraLinear(HIDDEN, HIDDEN)
        self.v = LoraLinear(HIDDEN, HIDDEN, r)
        self.o = LoraLinear(HIDDEN, HIDDEN)
        self.ln2 = torch.nn.LayerNorm(HIDDEN)
        self.fc1 = torch.nn.Linear(HIDDEN, FFN)
        self.fc2 = torch.nn.Linear(FFN, HIDDEN)

    def forward(self, h, mask):
        b, s, _ = h.shape
        hd = HIDDEN // HEADS
        x = self.ln1(h)
        q = (self.q(x) * hd ** -0.5).view(b, s, HEADS, hd).transpose(1, 2)
        k = self.k(x).view(b, s, HEADS, hd).transpose(1, 2)
        v = self.v(x).view(b, s, HEADS, hd).transpose(1, 2)
        att = torch.softmax(q @ k.transpose(-1, -2) + mask, dim=-1)
        o = (att @ v).transpose(1, 2).reshape(b, s, HIDDEN)
        h = h + F.dropout(self.o(o), DROPOUT, self.training)
        x = self.fc2(torch.relu(self.fc1(self.ln2(h))))
        return h + F.dropout(x, DROPOUT, self.training)


class Opt(torch.nn.Module):
    def __init__(self, r):
        super().__init__()
        self.embed = torch.nn.Embedding(VOCAB, HIDDEN)
        self.pos = torch.nn.Embedding(MAXPOS + 2, HIDDEN)
        self.layers = torch.nn.ModuleList(Layer(r) for _ in range(LAYERS))
        self.ln = torch.nn.LayerNorm(HIDDEN)

    def forward(self, ids, attention_mask, labels):
        b, s = ids.shape
        pos = torch.cumsum(attention_mask, 1) * attention_mask - 1
        h = self.embed(ids) + self.pos(pos + 2)
        neg = torch.finfo(torch.float32).min
        allowed = torch.tril(torch.ones(s, s, dtype=torch.bool))[None, None] & attention_mask.bool()[:, None, None, :]
        mask = torch.zeros(b, 1, s, s).masked_fill(~allowed, neg)
        for layer in self.layers:
            h = layer(h, mask)
        logits = self.ln(h) @ self.embed.weight.t()
        return F.cross_entropy(logits[:, :-1].reshape(-1, VOCAB), labels[:, 1:].reshape(-1))


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    full = "--full" in sys.argv
    for a in sys.argv[1:]:
        if a.startswith("--threads="):
            torch.set_num_threads(int(a.split("=", 1)[1]))
    warmup = int(args[0]) if args else 3
    timed = int(args[1]) if len(args) > 1 else 10
    torch.manual_seed(42)
    model = Opt(0 if full else R)
    with torch.no_grad():  # transformers' OPT init (normal, std 0.02; zero biases), as TrainBenchmark's
        for name, p in model.named_parameters():
            if "lora_" in name or p.dim() == 1 and "ln" in name:
                continue
            p.normal_(0, 0.02) if p.dim() > 1 else p.zero_()
    for name, p in model.named_parameters():
        p.requires_grad_(full or "lora_" in name)
    params = [p for p in model.parameters() if p.requires_grad]
    model.train()
    opt = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.0)
    g = torch.Generator().manual_seed(42)
    times, losses = [], []
    for i in range(warmup + timed):
        ids = torch.randint(3, VOCAB, (BATCH, SEQ), generator=g)
        mask = torch.ones(BATCH, SEQ, dtype=torch.long)
        t0 = time.perf_counter()
        loss = model(ids, mask, ids)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=False)
        t = time.perf_counter() - t0
        losses.append(loss.item())
        if i >= warmup:
            times.append(t)
    med = statistics.median(times)
    print(f"torch {torch.__version__} eager, {torch.get_num_threads()} threads, "
          f"{'full fine-tuning' if full else 'LoRA r=16 q_proj,v_proj'}: trainable "
          f"{sum(p.numel() for p in params):,} | median step {med:.3f} s | "
          f"{BATCH * SEQ / med:.0f} tokens/s | loss {losses[0]:.4f} -> {losses[-1]:.4f}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux
    print(f"RESULT tokens_per_s={BATCH * SEQ / med:.1f} rss_kb={rss}")


if __name__ == "__main__":
    main()
