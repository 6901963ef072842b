#!/usr/bin/env python3
"""Writes toolkit/src/test/resources/reference/tiny_gpt2/: a tiny GPT-2 checkpoint (config.json,
model.safetensors, keys as GPT2LMHeadModel.save_pretrained writes them: "transformer.*", lm_head tied
and not stored) with seeded weights, and golden.json with its logits and loss, computed by a
plain-PyTorch GPT-2 written out here after transformers' modeling_gpt2 (4.39): Conv1D weights
[in, out], one c_attn for q/k/v, gelu_new, pre-LN blocks, learned positions. Positions count attended
tokens (cumsum(mask) - 1, 1 on padding), as transformers' generate passes them.

Run by hand with Debian's python3-torch (1.13): /usr/bin/python3 scripts/gpt2_reference.py
"""
import math
import os

import torch

from llama_reference import save_reference

OUT = os.path.join(os.path.dirname(__file__), "..", "toolkit", "src", "test", "resources", "reference", "tiny_gpt2")
CONFIG = {
    "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": 64, "n_positions": 32, "n_embd": 16,
    "n_layer": 2, "n_head": 2, "n_inner": None, "activation_function": "gelu_new", "resid_pdrop": 0.0,
    "embd_pdrop": 0.0, "attn_pdrop": 0.0, "layer_norm_epsilon": 1e-5, "initializer_range": 0.02,
    "bos_token_id": 63, "eos_token_id": 63,
}
INPUT_IDS = [[63, 10, 20, 30, 40, 50, 60, 5], [63, 7, 8, 9, 11, 0, 0, 0]]
MASK = [[1] * 8, [1, 1, 1, 1, 1, 0, 0, 0]]
LABELS = [[63, 10, 20, 30, 40, 50, 60, 5], [63, 7, 8, 9, 11, -100, -100, -100]]


def weights():
    c, g = CONFIG, torch.Generator().manual_seed(4321)
    d, v = c["n_embd"], c["vocab_size"]
    w = {"transformer.wte.weight": torch.randn(v, d, generator=g) * 0.4,
         "transformer.wpe.weight": torch.randn(c["n_positions"], d, generator=g) * 0.4}
    for i in range(c["n_layer"]):
        p = f"transformer.h.{i}."
        for name, (nx, nf) in [("attn.c_attn", (d, 3 * d)), ("attn.c_proj", (d, d)), ("mlp.c_fc", (d, 4 * d)),
                               ("mlp.c_proj", (4 * d, d))]:
            w[p + name + ".weight"] = torch.randn(nx, nf, generator=g) * 0.4
            w[p + name + ".bias"] = torch.randn(nf, generator=g) * 0.2
        for ln in ("ln_1", "ln_2"):
            w[p + ln + ".weight"] = 1 + 0.2 * torch.randn(d, generator=g)
            w[p + ln + ".bias"] = 0.2 * torch.randn(d, generator=g)
    w["transformer.ln_f.weight"] = 1 + 0.2 * torch.randn(d, generator=g)
    w["transformer.ln_f.bias"] = 0.2 * torch.randn(d, generator=g)
    return w


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def forward(w, ids, mask):
    c = CONFIG
    b, t = ids.shape
    d, nh = c["n_embd"], c["n_head"]
    hd = d // nh
    ln = lambda x, p: torch.nn.functional.layer_norm(x, (d,), w[p + ".weight"], w[p + ".bias"], c["layer_norm_epsilon"])
    conv = lambda x, p: x @ w[p + ".weight"] + w[p + ".bias"]
    pos = (mask.cumsum(-1) - 1).masked_fill(mask == 0, 1)
    x = w["transformer.wte.weight"][ids] + w["transformer.wpe.weight"][pos]
    neg = torch.finfo(torch.float32).min
    allowed = torch.tril(torch.ones(t, t, dtype=torch.bool))[None, None] & mask.bool()[:, None, None, :]
    amask = torch.zeros(b, 1, t, t).masked_fill(~allowed, neg)
    for i in range(c["n_layer"]):
        p = f"transformer.h.{i}."
        q, k, v = conv(ln(x, p + "ln_1"), p + "attn.c_attn").split(d, dim=2)
        q, k, v = (z.view(b, t, nh, hd).transpose(1, 2) for z in (q, k, v))
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd) + amask, dim=-1)
        x = x + conv((att @ v).transpose(1, 2).reshape(b, t, d), p + "attn.c_proj")
        x = x + conv(gelu_new(conv(ln(x, p + "ln_2"), p + "mlp.c_fc")), p + "mlp.c_proj")
    return ln(x, "transformer.ln_f") @ w["transformer.wte.weight"].T


def main():
    save_reference(OUT, CONFIG, weights(), forward,
                   {"input_ids": INPUT_IDS, "attention_mask": MASK, "labels": LABELS}, "scripts/gpt2_reference.py")


if __name__ == "__main__":
    main()
