#!/usr/bin/env python3
"""Writes toolkit/src/test/resources/reference/tiny_gpt2/ and tiny_llama/: a tiny GPT-2 and a tiny Llama
(grouped-query attention) built by transformers itself from seeded weights, each as config.json +
model.safetensors (the keys GPT2LMHeadModel / LlamaForCausalLM save: GPT-2's lm_head is tied and not
stored) and golden.json with what transformers' own forward and generate return:

  cases.left_padded      logits and loss of a left-padded batch with its attention mask, no position_ids: the
                         positions are 0..T-1 and a pad position predicts the first real label
  cases.right_padded     the same for a right-padded batch
  cases.gap_in_mask      a batch whose mask hides two tokens in the middle of a row
  cases.explicit_positions  a left-padded batch with position_ids given
  generate               greedy generate() tokens for a left-padded batch (positions from the mask), stopping
                         at the config's EOS and padding finished rows with 0

All logits are kept, the rows of padding queries included: transformers computes them with the masks as
they are, and peft4j matches them.

The stack. The target is transformers 4.39 (eager attention: its torch 1.13 has no SDPA, and GPT-2 4.39 has
no SDPA path; on CPU 4.39 never calls _unmask_unattended). Where the 4.39
offline reference stack (Debian torch + the 4.39 sources) is set up, this script runs that code as it is (`. DIR/env.sh && $PY ...`).
Where it is not (the transformers snapshot was too large to bring here), it runs a later transformers
(4.57, `pip install torch transformers==4.57.6`) with attn_implementation="eager" and feeds GPT-2 the
additive mask that GPT2Model.forward 4.39 builds, `(1 - mask)[:, None, None, :] * finfo.min`. GPT-2's eager
attention is the same code in both (torch.where(causal, w, finfo.min), then + that mask, then softmax),
and 4.57's own 2-D mask handling differs only in the rows of padding queries (it masks the future with
the padding, so a pad query no longer sees later real tokens). Llama's eager mask is finfo.min wherever a
key is hidden (causal or padding) in both versions, so Llama gets the plain 2-D mask; the script checks
that it equals the mask _update_causal_mask 4.39 writes. Generation always gets the plain 2-D mask: rows of
real tokens never see padding keys, so their logits are the same either way.

Run by hand; the tests only read the files it writes.
"""
import json
import os

import torch
import transformers
from safetensors.torch import save_file
from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "toolkit", "src", "test", "resources",
                    "reference")
V439 = tuple(int(x) for x in transformers.__version__.split(".")[:2]) < (4, 40)

GPT2 = {
    "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": 64, "n_positions": 32, "n_embd": 16,
    "n_layer": 2, "n_head": 2, "n_inner": None, "activation_function": "gelu_new", "resid_pdrop": 0.0,
    "embd_pdrop": 0.0, "attn_pdrop": 0.0, "layer_norm_epsilon": 1e-5, "initializer_range": 0.02,
    "bos_token_id": 63, "eos_token_id": 63,
}
LLAMA = {
    "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 64, "hidden_size": 16,
    "intermediate_size": 40, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
    "max_position_embeddings": 64, "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "hidden_act": "silu",
    "initializer_range": 0.02, "tie_word_embeddings": False, "bos_token_id": 1, "eos_token_id": 2,
    "torch_dtype": "float32",
}
PAD = 0


def gpt2_weights():
    c, g = GPT2, torch.Generator().manual_seed(4321)
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


def llama_weights():
    c, g = LLAMA, torch.Generator().manual_seed(1234)
    d, f, v = c["hidden_size"], c["intermediate_size"], c["vocab_size"]
    kv = c["num_key_value_heads"] * d // c["num_attention_heads"]
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


def build(cls, config_cls, config, weights):
    cfg = config_cls(**{k: v for k, v in config.items() if k not in ("architectures", "model_type")})
    model = cls._from_config(cfg, attn_implementation="eager")
    missing, unexpected = model.load_state_dict(weights, strict=False)
    assert not unexpected and all(k == "lm_head.weight" for k in missing), (missing, unexpected)
    return model.eval()


def gpt2_mask_439(mask):
    """The additive mask GPT2Model.forward 4.39 hands every GPT2Attention."""
    return (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min


def llama_mask_439(mask, t):
    """The 4-D mask LlamaModel._update_causal_mask 4.39 builds for a dynamic cache without past."""
    min_dtype = torch.finfo(torch.float32).min
    causal = torch.triu(torch.full((t, t), min_dtype), diagonal=1)
    causal = causal * (torch.arange(t) > torch.arange(t).reshape(-1, 1))
    causal = causal[None, None].expand(mask.shape[0], 1, -1, -1).clone()
    padding = causal.eq(0.0) * mask[:, None, None, :].eq(0.0)
    return causal.masked_fill(padding, min_dtype)


def run(model, kind, ids, mask, labels, position_ids=None):
    kwargs = {"input_ids": ids, "attention_mask": mask, "labels": labels}
    if position_ids is not None:
        kwargs["position_ids"] = position_ids
    with torch.no_grad():
        if V439:
            out = model(**kwargs)
        elif kind == "gpt2":
            out = model(**{**kwargs, "attention_mask": gpt2_mask_439(mask)})
            plain = model(**kwargs)  # 4.57's own 2-D path: equal on real tokens only
            real = mask.bool()
            assert torch.allclose(out.logits[real], plain.logits[real], atol=1e-5)
        else:
            out = model(**kwargs)
            four_d = model(**{**kwargs, "attention_mask": llama_mask_439(mask, ids.shape[1])})
            assert torch.equal(out.logits, four_d.logits), "4.57's eager mask is the one 4.39 builds"
    return out


def case(model, kind, ids, mask, labels, position_ids=None):
    ids, mask, labels = torch.tensor(ids), torch.tensor(mask), torch.tensor(labels)
    pos = None if position_ids is None else torch.tensor(position_ids)
    out = run(model, kind, ids, mask, labels, pos)
    inputs = {"input_ids": ids.tolist(), "attention_mask": mask.tolist(), "labels": labels.tolist()}
    if pos is not None:
        inputs["position_ids"] = pos.tolist()
    return {"inputs": inputs, "logits": out.logits.tolist(), "loss": out.loss.item()}


def masked_labels(ids, mask):
    return [[t if m else -100 for t, m in zip(r, mr)] for r, mr in zip(ids, mask)]


def write(name, kind, config, weights, model, bos):
    out = os.path.join(ROOT, name)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    stored = {k: v.contiguous() for k, v in weights.items()}
    save_file(stored, os.path.join(out, "model.safetensors"), metadata={"format": "pt"})

    left_ids = [[PAD, PAD, PAD, bos, 10, 20, 30, 40], [bos, 7, 8, 9, 11, 12, 13, 14]]
    left_mask = [[0, 0, 0, 1, 1, 1, 1, 1], [1] * 8]
    right_ids = [[bos, 10, 20, 30, 40, 50, 60, 5], [bos, 7, 8, 9, 11, PAD, PAD, PAD]]
    right_mask = [[1] * 8, [1, 1, 1, 1, 1, 0, 0, 0]]
    gap_ids = [[bos, 10, 20, 30, 40, 50, 60, 5], [bos, 7, 8, 9, 11, 12, 13, 14]]
    gap_mask = [[1] * 8, [1, 1, 1, 0, 0, 1, 1, 1]]
    positions = [[1, 1, 1, 0, 1, 2, 3, 4], [0, 1, 2, 3, 8, 9, 10, 11]]  # generate's for row 0; a jump in row 1
    cases = {
        # Labels keep the real tokens only, so the last pad (position 2) predicts the first real label.
        "left_padded": case(model, kind, left_ids, left_mask, masked_labels(left_ids, left_mask)),
        "right_padded": case(model, kind, right_ids, right_mask, masked_labels(right_ids, right_mask)),
        # Positions stay 0..T-1 across the hidden tokens, so relative distances differ from counting the mask.
        "gap_in_mask": case(model, kind, gap_ids, gap_mask, masked_labels(gap_ids, gap_mask)),
        "explicit_positions": case(model, kind, left_ids, left_mask, masked_labels(left_ids, left_mask), positions),
    }
    prompt = torch.tensor([[PAD, PAD, bos, 10, 20], [bos, 7, 8, 9, 11]])
    prompt_mask = torch.tensor([[0, 0, 1, 1, 1], [1, 1, 1, 1, 1]])
    with torch.no_grad():
        tokens = model.generate(input_ids=prompt, attention_mask=prompt_mask, max_new_tokens=6, do_sample=False,
                                pad_token_id=PAD, eos_token_id=config["eos_token_id"])
    golden = {
        "script": "scripts/gpt2_llama_positions_reference.py", "transformers": transformers.__version__,
        "torch": torch.__version__, "attn_implementation": "eager",
        "gpt2_mask": None if kind != "gpt2" or V439 else "GPT2Model.forward 4.39's (1 - mask) * finfo.min",
        "cases": cases,
        "generate": {"input_ids": prompt.tolist(), "attention_mask": prompt_mask.tolist(), "max_new_tokens": 6,
                     "pad_token_id": PAD, "eos_token_id": config["eos_token_id"], "tokens": tokens.tolist()},
    }
    with open(os.path.join(out, "golden.json"), "w") as f:
        json.dump(golden, f)
    print("wrote", out, {k: round(v["loss"], 6) for k, v in cases.items()}, tokens.tolist())


def main():
    torch.manual_seed(0)
    write("tiny_gpt2", "gpt2", GPT2, {k: v for k, v in gpt2_weights().items()},
          build(GPT2LMHeadModel, GPT2Config, GPT2, gpt2_weights()), GPT2["bos_token_id"])
    write("tiny_llama", "llama", LLAMA, llama_weights(),
          build(LlamaForCausalLM, LlamaConfig, LLAMA, llama_weights()), LLAMA["bos_token_id"])


if __name__ == "__main__":
    main()
