#!/usr/bin/env python3
"""One LoRA training step in plain PyTorch, as the reference for PyTorchReferenceStepTest.

Run by hand (never by the tests) with Debian's python3-torch:

    /usr/bin/python3 scripts/lora_step_reference.py [toolkit/src/test/resources/hf-reference] \
        [toolkit/src/test/resources/reference/lora_step_reference.json]

It reads tiny_opt/model.safetensors and tiny_opt/lora/adapter_model.safetensors itself (json +
struct + torch.frombuffer; no transformers, no peft), writes OPT's forward out (pre-LN, learned
positions with offset 2, causal + padding mask, tied lm_head, shifted cross-entropy ignoring -100)
with LoRA on q_proj and v_proj (y = W x + b + (x Aᵀ Bᵀ)·alpha/r), checks it against PEFT's logits in
tiny_opt/lora/golden.json, then computes the loss on the fixture inputs/labels, backward, and one
torch.optim.AdamW(lr=1e-3, weight_decay=0.0) step over the LoRA A/B tensors only. The JSON it
writes holds the loss, every LoRA gradient and every updated LoRA weight (float32 widened to
double), keyed by the adapter file's key names.
"""
import json
import math
import os
import struct
import sys

import torch

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    base = 8 + n
    out = {}
    for key, info in header.items():
        if key == "__metadata__":
            continue
        start, end = info["data_offsets"]
        buf = bytearray(data[base + start:base + end])
        t = torch.frombuffer(buf, dtype=DTYPES[info["dtype"]]) if end > start else torch.empty(0)
        out[key] = t.reshape(info["shape"]).clone()
    return out


def lin(x, w, b=None):
    y = x @ w.t()
    return y + b if b is not None else y


def forward(cfg, W, lora, scaling, input_ids, attention_mask):
    """OPTForCausalLM (transformers 4.39) forward with LoRA on q_proj/v_proj; returns logits."""
    hidden = cfg["hidden_size"]
    heads = cfg["num_attention_heads"]
    hd = hidden // heads
    eps = 1e-5
    p = "model.decoder."
    bsz, seq = input_ids.shape
    h = W[p + "embed_tokens.weight"][input_ids]
    pos = (torch.cumsum(attention_mask, dim=1).type_as(attention_mask) * attention_mask).long() - 1
    h = h + W[p + "embed_positions.weight"][pos + 2]

    neg = torch.finfo(torch.float32).min
    causal = torch.tril(torch.ones(seq, seq, dtype=torch.bool))
    allowed = causal[None, None, :, :] & attention_mask.bool()[:, None, None, :]
    mask = torch.zeros(bsz, 1, seq, seq).masked_fill(~allowed, neg)

    def proj(i, name, x):
        pre = f"{p}layers.{i}.self_attn.{name}"
        y = lin(x, W[pre + ".weight"], W[pre + ".bias"])
        if name in lora[i]:
            a, b = lora[i][name]
            y = y + (x @ a.t() @ b.t()) * scaling
        return y

    for i in range(cfg["num_hidden_layers"]):
        L = f"{p}layers.{i}."
        res = h
        x = torch.nn.functional.layer_norm(
            h, (hidden,), W[L + "self_attn_layer_norm.weight"], W[L + "self_attn_layer_norm.bias"], eps)
        q = proj(i, "q_proj", x) * (hd ** -0.5)
        k = proj(i, "k_proj", x)
        v = proj(i, "v_proj", x)
        q = q.view(bsz, seq, heads, hd).transpose(1, 2)
        k = k.view(bsz, seq, heads, hd).transpose(1, 2)
        v = v.view(bsz, seq, heads, hd).transpose(1, 2)
        att = q @ k.transpose(-1, -2) + mask
        att = torch.max(att, torch.tensor(neg))
        att = torch.softmax(att, dim=-1)
        o = (att @ v).transpose(1, 2).reshape(bsz, seq, hidden)
        o = proj(i, "out_proj", o)
        h = res + o
        res = h
        x = torch.nn.functional.layer_norm(
            h, (hidden,), W[L + "final_layer_norm.weight"], W[L + "final_layer_norm.bias"], eps)
        x = torch.relu(lin(x, W[L + "fc1.weight"], W[L + "fc1.bias"]))
        x = lin(x, W[L + "fc2.weight"], W[L + "fc2.bias"])
        h = res + x
    h = torch.nn.functional.layer_norm(
        h, (hidden,), W[p + "final_layer_norm.weight"], W[p + "final_layer_norm.bias"], eps)
    return h @ W[p + "embed_tokens.weight"].t()  # lm_head tied to embed_tokens


def causal_lm_loss(logits, labels):
    shift_logits = logits[:, :-1, :].reshape(-1, logits.shape[-1])
    shift_labels = labels[:, 1:].reshape(-1)
    return torch.nn.functional.cross_entropy(shift_logits, shift_labels, ignore_index=-100)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    ref = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        root, "toolkit", "src", "test", "resources", "hf-reference")
    out_path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        root, "toolkit", "src", "test", "resources", "reference", "lora_step_reference.json")
    torch.manual_seed(0)
    tiny = os.path.join(ref, "tiny_opt")
    cfg = json.load(open(os.path.join(tiny, "config.json")))
    assert cfg["do_layer_norm_before"] and cfg["word_embed_proj_dim"] == cfg["hidden_size"]
    acfg = json.load(open(os.path.join(tiny, "lora", "adapter_config.json")))
    scaling = acfg["lora_alpha"] / acfg["r"]
    W = read_safetensors(os.path.join(tiny, "model.safetensors"))
    A = read_safetensors(os.path.join(tiny, "lora", "adapter_model.safetensors"))
    golden = json.load(open(os.path.join(tiny, "lora", "golden.json")))
    base_golden = json.load(open(os.path.join(tiny, "golden_base.json")))
    inputs = base_golden["inputs"]
    input_ids = torch.tensor(inputs["input_ids"])
    attention_mask = torch.tensor(inputs["attention_mask"])
    labels = torch.tensor(inputs["labels"])
    assert inputs["input_ids"] == golden["inputs"]["input_ids"]

    keys = sorted(A.keys())
    lora = [dict() for _ in range(cfg["num_hidden_layers"])]
    params = {}
    for i in range(cfg["num_hidden_layers"]):
        for name in ("q_proj", "v_proj"):
            pre = f"base_model.model.model.decoder.layers.{i}.self_attn.{name}."
            a = A[pre + "lora_A.weight"].clone().requires_grad_(True)
            b = A[pre + "lora_B.weight"].clone().requires_grad_(True)
            lora[i][name] = (a, b)
            params[pre + "lora_A.weight"] = a
            params[pre + "lora_B.weight"] = b
    assert sorted(params) == keys, (sorted(params), keys)

    # The written-out forward reproduces PEFT's logits (no grad, as golden.json was made).
    with torch.no_grad():
        logits = forward(cfg, W, lora, scaling, input_ids, attention_mask)
        peft_logits = torch.tensor(golden["peft_logits"], dtype=torch.float32)
        diff = (logits - peft_logits).abs().max().item()
        print(f"max |logits - peft_logits| = {diff:.3e}")
        assert diff < 1e-4, diff
        base_only = forward(cfg, W, [dict() for _ in lora], scaling, input_ids, attention_mask)
        base_loss = causal_lm_loss(base_only, labels).item()
        print(f"base loss {base_loss:.7f} vs golden_base loss_with_labels "
              f"{base_golden['loss_with_labels']:.7f}")
        assert abs(base_loss - base_golden["loss_with_labels"]) < 1e-5

    logits = forward(cfg, W, lora, scaling, input_ids, attention_mask)
    loss = causal_lm_loss(logits, labels)
    loss.backward()
    grads = {k: p.grad.detach().clone() for k, p in params.items()}
    before = {k: p.detach().clone() for k, p in params.items()}
    opt = torch.optim.AdamW(list(params.values()), lr=1e-3, weight_decay=0.0)
    opt.step()
    print(f"loss {loss.item():.7f}")
    for k in params:
        print(f"{k}: |grad| max {grads[k].abs().max().item():.3e}, "
              f"max |update| {(params[k].detach() - before[k]).abs().max().item():.3e}")

    out = {
        "description": "One LoRA step in plain PyTorch on tiny_opt + tiny_opt/lora: loss, gradients of "
                       "the LoRA weights, and the LoRA weights after one torch.optim.AdamW step. "
                       "Written by scripts/lora_step_reference.py.",
        "versions": {"torch": torch.__version__, "python": sys.version.split()[0]},
        "optimizer": {"name": "torch.optim.AdamW", "lr": 1e-3, "betas": [0.9, 0.999], "eps": 1e-8,
                      "weight_decay": 0.0},
        "scaling": scaling,
        "inputs": inputs,
        "max_abs_diff_vs_peft_logits": diff,
        "loss": loss.item(),
        "grads": {k: grads[k].tolist() for k in keys},
        "updated": {k: params[k].detach().tolist() for k in keys},
    }
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    with open(out_path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"wrote {out_path}")


if __name__ == "__main__":
    main()
