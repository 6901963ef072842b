#!/usr/bin/env python3
"""Writes toolkit/src/test/resources/reference/tiny_llama/: a tiny Llama checkpoint (config.json,
model.safetensors) with seeded weights, and golden.json with its logits and loss, computed by a
plain-PyTorch Llama written out here after transformers' modeling_llama (4.39): RMSNorm in float32,
rotary embeddings with rotate_half, grouped-query attention (repeat_kv), SwiGLU MLP, untied lm_head.
Positions count attended tokens (cumsum(mask) - 1, 1 on padding), as transformers' generate passes them.

Run by hand with Debian's python3-torch (1.13): /usr/bin/python3 scripts/llama_reference.py
The tests only read the files it writes.
"""
import json
import math
import os
import struct

import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "toolkit", "src", "test", "resources", "reference", "tiny_llama")
CONFIG = {
    "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 64, "hidden_size": 16,
    "intermediate_size": 40, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
    "max_position_embeddings": 64, "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "hidden_act": "silu",
    "initializer_range": 0.02, "tie_word_embeddings": False, "bos_token_id": 1, "eos_token_id": 2,
    "torch_dtype": "float32",
}
INPUT_IDS = [[1, 10, 20, 30, 40, 50, 60, 5], [1, 7, 8, 9, 11, 0, 0, 0]]
MASK = [[1] * 8, [1, 1, 1, 1, 1, 0, 0, 0]]
LABELS = [[1, 10, 20, 30, 40, 50, 60, 5], [1, 7, 8, 9, 11, -100, -100, -100]]


def weights():
    c, g = CONFIG, torch.Generator().manual_seed(1234)
    d, f, v, hd = c["hidden_size"], c["intermediate_size"], c["vocab_size"], c["hidden_size"] // c["num_attention_heads"]
    kv = c["num_key_value_heads"] * hd
    w = {"model.embed_tokens.weight": torch.randn(v, d, generator=g) * 0.4}
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        for name, shape in [("self_attn.q_proj", (d, d)), ("self_attn.k_proj", (kv, d)), ("self_attn.v_proj", (kv, d)),
                            ("self_attn.o_proj", (d, d)), ("mlp.gate_proj", (f, d)), ("mlp.up_proj", (f, d)),
                            ("mlp.down_proj", (d, f))]:
            w[p + name + ".weight"] = torch.randn(*shape, generator=g) * 0.4
        w[p + "input_layernorm.weight"] = 1 + 0.2 * torch.randn(d, generator=g)
        w[p + "post_attention_layernorm.weight"] = 1 + 0.2 * torch.randn(d, generator=g)
    w["model.norm.weight"] = 1 + 0.2 * torch.randn(d, generator=g)
    w["lm_head.weight"] = torch.randn(v, d, generator=g) * 0.4
    return w


def rms_norm(x, weight, eps):
    x32 = x.float()
    return weight * (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + eps)).to(x.dtype)


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def forward(w, ids, mask):
    c = CONFIG
    b, t = ids.shape
    h_, kvh = c["num_attention_heads"], c["num_key_value_heads"]
    hd = c["hidden_size"] // h_
    pos = (mask.cumsum(-1) - 1).masked_fill(mask == 0, 1)
    inv_freq = 1.0 / (c["rope_theta"] ** (torch.arange(0, hd, 2).float() / hd))
    freqs = pos.float()[..., None] * inv_freq
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos()[:, None], emb.sin()[:, None]
    neg = torch.finfo(torch.float32).min
    allowed = torch.tril(torch.ones(t, t, dtype=torch.bool))[None, None] & mask.bool()[:, None, None, :]
    amask = torch.zeros(b, 1, t, t).masked_fill(~allowed, neg)
    x = w["model.embed_tokens.weight"][ids]
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        hn = rms_norm(x, w[p + "input_layernorm.weight"], c["rms_norm_eps"])
        q = (hn @ w[p + "self_attn.q_proj.weight"].T).view(b, t, h_, hd).transpose(1, 2)
        k = (hn @ w[p + "self_attn.k_proj.weight"].T).view(b, t, kvh, hd).transpose(1, 2)
        v = (hn @ w[p + "self_attn.v_proj.weight"].T).view(b, t, kvh, hd).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        rep = h_ // kvh
        k = k[:, :, None].expand(b, kvh, rep, t, hd).reshape(b, h_, t, hd)
        v = v[:, :, None].expand(b, kvh, rep, t, hd).reshape(b, h_, t, hd)
        att = torch.softmax(q @ k.transpose(2, 3) / math.sqrt(hd) + amask, dim=-1, dtype=torch.float32)
        o = (att @ v).transpose(1, 2).reshape(b, t, h_ * hd)
        x = x + o @ w[p + "self_attn.o_proj.weight"].T
        hn = rms_norm(x, w[p + "post_attention_layernorm.weight"], c["rms_norm_eps"])
        gate = hn @ w[p + "mlp.gate_proj.weight"].T
        x = x + (torch.nn.functional.silu(gate) * (hn @ w[p + "mlp.up_proj.weight"].T)) @ w[p + "mlp.down_proj.weight"].T
    x = rms_norm(x, w["model.norm.weight"], c["rms_norm_eps"])
    return x @ w["lm_head.weight"].T


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        data = tensors[name].contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def save_reference(out, config, weights, forward, inputs, script):
    """Writes config.json, model.safetensors and golden.json (inputs, logits, loss) into out."""
    os.makedirs(out, exist_ok=True)
    ids, mask, labels = (torch.tensor(inputs[k]) for k in ("input_ids", "attention_mask", "labels"))
    with torch.no_grad():
        logits = forward(weights, ids, mask)
        loss = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, config["vocab_size"]), labels[:, 1:].reshape(-1))
    write_safetensors(os.path.join(out, "model.safetensors"), weights)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    golden = {"torch": torch.__version__, "script": script, "inputs": inputs, "logits": logits.tolist(),
              "loss": loss.item()}
    with open(os.path.join(out, "golden.json"), "w") as f:
        json.dump(golden, f)
    print("wrote", out, "loss", loss.item())


def main():
    save_reference(OUT, CONFIG, weights(), forward,
                   {"input_ids": INPUT_IDS, "attention_mask": MASK, "labels": LABELS}, "scripts/llama_reference.py")


if __name__ == "__main__":
    main()
