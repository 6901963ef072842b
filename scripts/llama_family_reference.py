#!/usr/bin/env python3
"""Writes toolkit/src/test/resources/reference/tiny_mistral/, tiny_gemma/ and tiny_llama_rope/: tiny models of the
Llama family built by transformers itself from seeded weights, with what transformers' own forward and generate
return, and (Mistral, Gemma) what PEFT 0.10's LoRA with its default targets returns and saves.

  tiny_mistral/     MistralForCausalLM, grouped-query attention, sliding_window 3 (so an 8-token input and a
                    5 + 6 token generation are windowed)
  tiny_gemma/       GemmaForCausalLM, multi-query attention, head_dim 8 with hidden 16 and 4 heads (decoupled),
                    (1 + w) RMS norms, sqrt(hidden) embedding scale, gelu_pytorch_tanh GeGLU, tied head
  tiny_llama_rope/  one LlamaForCausalLM checkpoint (head_dim 16, so llama3's three frequency bands all occur) and
                    golden.json with one entry per rope_scaling: linear, dynamic, llama3

Each model folder has config.json (what a checkpoint of that family carries), model.safetensors (the keys
save_pretrained writes: a tied lm_head is not stored) and golden.json:

  cases.left_padded / right_padded   logits (padding queries included) and loss, no position_ids (positions 0..T-1)
  generate                           greedy generate() on a left-padded batch (positions from the mask)
  lora (Mistral, Gemma)              LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, init_lora_weights=False,
                                     task_type=CAUSAL_LM) with PEFT's default targets (q_proj, v_proj for both),
                                     torch.manual_seed(7) before get_peft_model: logits and loss on right_padded,
                                     print_trainable_parameters' line and the keys save_pretrained wrote; the
                                     adapter itself is in lora/ (adapter_config.json, adapter_model.safetensors)

The stack and how 4.39's semantics are obtained. The target is transformers 4.39 with eager attention. This script
runs transformers 4.57.6 (`/work/refstack457`, read-only) with attn_implementation="eager", and PEFT v0.10.0 with
accelerate v0.28.0 from their tagged sources on PYTHONPATH (`git archive v0.10.0 src/peft` etc.; PEFT 0.10's LoRA
layers are plain torch). Where 4.57 computes something differently from 4.39, the 4.39 computation is forced:

  - Mistral's mask. 4.39's MistralModel (eager) hands every layer
    `_prepare_4d_causal_attention_mask(mask, ..., sliding_window=config.sliding_window)`, whose `_make_causal_mask`
    hides key j from the query at absolute index i when j > i or i - j > sliding_window (tril with diagonal
    past - sliding_window - 1): a query sees itself and `sliding_window` earlier keys. 4.57's
    create_sliding_window_causal_mask sees one key fewer (kv_idx > q_idx - sliding_window). The script replaces
    create_sliding_window_causal_mask in modeling_mistral by a function that returns
    `_prepare_4d_causal_attention_mask` (still in 4.57, the same code as 4.39's) for the current cache position,
    and checks that the two masks really differ here. Generation gets an explicit `DynamicCache()`: 4.39's
    DynamicCache keeps every key and value (the mask does the windowing), while 4.57 would build sliding layers
    that drop old keys.
  - Llama's and Gemma's masks: 4.39's _update_causal_mask puts finfo.min wherever a key is hidden (causal or
    padding), which is what 4.57's eager path does; the script checks the logits with the explicit 4.39 mask are
    identical to those with the plain 2-D mask.
  - Gemma's activation: 4.39's GemmaMLP uses `hidden_activation`, or gelu_pytorch_tanh when it is null, and ignores
    `hidden_act`; 4.57 uses `hidden_act`. config.json sets hidden_act to gelu_pytorch_tanh and leaves
    hidden_activation out, so both read gelu_pytorch_tanh.
  - rope_scaling: 4.39 knows `linear` (positions / factor) and `dynamic` (LlamaDynamicNTKScalingRotaryEmbedding:
    when max(position_ids) + 1 > max_position_embeddings, base = theta * (factor * seq_len / max_pos -
    (factor - 1)) ** (dim / (dim - 2))). 4.57 computes both the same way (linear as inv_freq / factor, equal up to
    float rounding). `llama3` exists only from 4.43 on (`_compute_llama3_parameters`); it is taken from 4.57 as
    is. 4.39's dynamic embedding keeps an enlarged base for later shorter inputs (it overwrites its inv_freq
    buffer); 4.57 resets it. Every case here runs on a freshly built model, so neither state is involved.

Run by hand (PYTHONPATH=<peft src>:<accelerate src> /work/refstack457/bin/python scripts/llama_family_reference.py);
the tests only read the files it writes.
"""
import json
import os
import shutil
import tempfile

import peft
import torch
import transformers
from peft import LoraConfig, get_peft_model
from safetensors import safe_open
from safetensors.torch import save_file
from transformers import (DynamicCache, GemmaConfig, GemmaForCausalLM, LlamaConfig, LlamaForCausalLM, MistralConfig,
                          MistralForCausalLM)
from transformers.modeling_attn_mask_utils import _prepare_4d_causal_attention_mask
from transformers.models.mistral import modeling_mistral

from gpt2_llama_positions_reference import LLAMA, llama_mask_439  # GemmaModel 4.39 builds LlamaModel's mask

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "toolkit", "src", "test", "resources",
                    "reference")

MISTRAL = {
    "architectures": ["MistralForCausalLM"], "model_type": "mistral", "vocab_size": 64, "hidden_size": 16,
    "intermediate_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
    "max_position_embeddings": 64, "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "hidden_act": "silu",
    "sliding_window": 3, "initializer_range": 0.02, "tie_word_embeddings": False, "bos_token_id": 1,
    "eos_token_id": 2, "torch_dtype": "float32",
}
GEMMA = {
    "architectures": ["GemmaForCausalLM"], "model_type": "gemma", "vocab_size": 64, "hidden_size": 16,
    "intermediate_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 1,
    "head_dim": 8, "max_position_embeddings": 64, "rms_norm_eps": 1e-6, "rope_theta": 10000.0,
    "hidden_act": "gelu_pytorch_tanh", "attention_bias": False, "initializer_range": 0.02,
    "tie_word_embeddings": True, "pad_token_id": 0, "bos_token_id": 2, "eos_token_id": 1, "torch_dtype": "float32",
}
# tiny_llama's config with head_dim 16 (hidden 32, 2 heads, 1 key/value head), so llama3's three bands all occur
LLAMA_ROPE = {**LLAMA, "hidden_size": 32, "intermediate_size": 32, "num_attention_heads": 2, "num_key_value_heads": 1,
              "max_position_embeddings": 128}
ROPE_VARIANTS = {
    "linear": {"rope_scaling": {"type": "linear", "factor": 2.0}},
    # max_position_embeddings 6: the 8-token cases and the generation past position 5 are scaled
    "dynamic": {"rope_scaling": {"type": "dynamic", "factor": 2.0}, "max_position_embeddings": 6},
    # head_dim 16, theta 1e4: wavelengths 6.3 (kept), 19.9 and 62.8 (smoothed), 199 and more (divided by 8)
    "llama3": {"rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                "high_freq_factor": 4.0, "original_max_position_embeddings": 64}},
}
PAD = 0


def mistral_mask_439(config, input_embeds, attention_mask, cache_position, past_key_values=None, position_ids=None,
                     **kwargs):
    """What MistralModel.forward 4.39 (eager) hands its layers, for the current cache position."""
    b, q = input_embeds.shape[:2]
    past = int(cache_position[0])
    if attention_mask is None:
        attention_mask = torch.ones(b, past + q, dtype=torch.long)
    return _prepare_4d_causal_attention_mask(attention_mask, (b, q), input_embeds, past,
                                             sliding_window=config.sliding_window)


ORIGINAL_SLIDING_MASK = modeling_mistral.create_sliding_window_causal_mask


def seeded_weights(model, seed, norm_around_zero):
    """Every parameter from torch.Generator().manual_seed(seed) in named_parameters() order: norms 1 + 0.2 N (0.2 N
    for Gemma's (1 + w) norms), biases 0.2 N, other weights 0.4 N."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            n = torch.randn(p.shape, generator=g)
            if "norm" in name:
                p.copy_(0.2 * n if norm_around_zero else 1 + 0.2 * n)
            elif name.endswith(".bias"):
                p.copy_(0.2 * n)
            else:
                p.copy_(0.4 * n)


def build(cls, config_cls, config, seed, norm_around_zero=False):
    kwargs = {k: v for k, v in config.items() if k not in ("architectures", "model_type", "torch_dtype")}
    torch.manual_seed(0)
    model = cls._from_config(config_cls(**kwargs), attn_implementation="eager")
    seeded_weights(model, seed, norm_around_zero)
    return model.eval()


def rounded(x):
    """float32 values as the shortest decimal that reads back to the same float32 (9 significant digits)."""
    if isinstance(x, list):
        return [rounded(v) for v in x]
    return float("%.9g" % x)


def forward(model, kind, ids, mask, labels):
    with torch.no_grad():
        out = model(input_ids=ids, attention_mask=mask, labels=labels)
        if kind in ("llama", "gemma"):
            four_d = model(input_ids=ids, attention_mask=llama_mask_439(mask, ids.shape[1]), labels=labels)
            assert torch.equal(out.logits, four_d.logits), "4.57's eager mask is the one 4.39 builds"
    return out


def case(model_fn, kind, ids, mask):
    ids, mask = torch.tensor(ids), torch.tensor(mask)
    labels = torch.where(mask.bool(), ids, torch.full_like(ids, -100))
    out = forward(model_fn(), kind, ids, mask, labels)
    inputs = {"input_ids": ids.tolist(), "attention_mask": mask.tolist(), "labels": labels.tolist()}
    return {"inputs": inputs, "logits": rounded(out.logits.tolist()), "loss": out.loss.item()}


LEFT_IDS = [[PAD, PAD, PAD, 1, 10, 20, 30, 40], [1, 7, 8, 9, 11, 12, 13, 14]]
LEFT_MASK = [[0, 0, 0, 1, 1, 1, 1, 1], [1] * 8]
RIGHT_IDS = [[1, 10, 20, 30, 40, 50, 60, 5], [1, 7, 8, 9, 11, PAD, PAD, PAD]]
RIGHT_MASK = [[1] * 8, [1, 1, 1, 1, 1, 0, 0, 0]]
PROMPT = [[PAD, PAD, 1, 10, 20], [1, 7, 8, 9, 11]]
PROMPT_MASK = [[0, 0, 1, 1, 1], [1, 1, 1, 1, 1]]


def generate(model, eos, kind):
    prompt, mask = torch.tensor(PROMPT), torch.tensor(PROMPT_MASK)
    kwargs = {"past_key_values": DynamicCache()} if kind == "mistral" else {}
    with torch.no_grad():
        tokens = model.generate(input_ids=prompt, attention_mask=mask, max_new_tokens=6, do_sample=False,
                                pad_token_id=PAD, eos_token_id=eos, **kwargs)
    return {"input_ids": PROMPT, "attention_mask": PROMPT_MASK, "max_new_tokens": 6, "pad_token_id": PAD,
            "eos_token_id": eos, "tokens": tokens.tolist()}


def header(kind):
    return {"script": "scripts/llama_family_reference.py", "transformers": transformers.__version__,
            "torch": torch.__version__, "peft": peft.__version__, "attn_implementation": "eager", "model": kind}


def save_checkpoint(out, config, model):
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    if config.get("tie_word_embeddings"):
        del state["lm_head.weight"]  # save_pretrained stores a tied head once, under the embedding's key
    save_file(state, os.path.join(out, "model.safetensors"), metadata={"format": "pt"})


def lora(model_fn, kind, out):
    """PEFT 0.10's LoRA with its default targets for this model_type."""
    torch.manual_seed(7)
    config = LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, init_lora_weights=False, task_type="CAUSAL_LM")
    model = get_peft_model(model_fn(), config)
    ids, mask = torch.tensor(RIGHT_IDS), torch.tensor(RIGHT_MASK)
    labels = torch.where(mask.bool(), ids, torch.full_like(ids, -100))
    model.eval()
    with torch.no_grad():
        result = model(input_ids=ids, attention_mask=mask, labels=labels)
    nb = model.get_nb_trainable_parameters()
    line = f"trainable params: {nb[0]:,d} || all params: {nb[1]:,d} || trainable%: {100 * nb[0] / nb[1]}"
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp)
        with safe_open(os.path.join(tmp, "adapter_model.safetensors"), "pt") as f:
            keys = {k: list(f.get_slice(k).get_shape()) for k in f.keys()}
        target = os.path.join(out, "lora")
        os.makedirs(target, exist_ok=True)
        for name in ("adapter_config.json", "adapter_model.safetensors"):
            shutil.copy(os.path.join(tmp, name), os.path.join(target, name))
    return {"target_modules": sorted(model.peft_config["default"].target_modules), "inputs": "cases.right_padded",
            "logits": rounded(result.logits.tolist()), "loss": result.loss.item(), "print_trainable_parameters": line,
            "adapter_file_keys": keys}


def write_family(name, kind, cls, config_cls, config, seed, norm_around_zero=False):
    out = os.path.join(ROOT, name)
    model_fn = lambda: build(cls, config_cls, config, seed, norm_around_zero)  # noqa: E731
    save_checkpoint(out, config, model_fn())
    cases = {"left_padded": case(model_fn, kind, LEFT_IDS, LEFT_MASK),
             "right_padded": case(model_fn, kind, RIGHT_IDS, RIGHT_MASK)}
    golden = {**header(kind), "cases": cases, "generate": generate(model_fn(), config["eos_token_id"], kind),
              "lora": lora(model_fn, kind, out)}
    if kind == "mistral":
        golden["sliding_window_mask"] = "_prepare_4d_causal_attention_mask 4.39: key j visible from query i iff " \
                                        "i - sliding_window <= j <= i"
    with open(os.path.join(out, "golden.json"), "w") as f:
        json.dump(golden, f)
    print("wrote", out, {k: round(v["loss"], 6) for k, v in cases.items()}, golden["generate"]["tokens"],
          golden["lora"]["print_trainable_parameters"])


def check_mistral_window_matters():
    """The window of 3 changes the 8-token logits, and 4.39's mask is not 4.57's own."""
    model = build(MistralForCausalLM, MistralConfig, MISTRAL, 2024)
    ids, mask = torch.tensor(RIGHT_IDS), torch.tensor(RIGHT_MASK)
    with torch.no_grad():
        windowed = model(input_ids=ids, attention_mask=mask).logits
        modeling_mistral.create_sliding_window_causal_mask = ORIGINAL_SLIDING_MASK
        own_457 = model(input_ids=ids, attention_mask=mask).logits
        modeling_mistral.create_sliding_window_causal_mask = mistral_mask_439
        model.config.sliding_window = None
        full = model(input_ids=ids, attention_mask=mask).logits
        model.config.sliding_window = MISTRAL["sliding_window"]
    assert (windowed - full).abs().max() > 1e-3, "the window must matter"
    assert (windowed - own_457).abs().max() > 1e-3, "4.39 sees one key more than 4.57"


def write_llama_rope():
    out = os.path.join(ROOT, "tiny_llama_rope")
    base = build(LlamaForCausalLM, LlamaConfig, LLAMA_ROPE, 99)
    save_checkpoint(out, LLAMA_ROPE, base)
    variants = {}
    for variant, extra in ROPE_VARIANTS.items():
        config = {**LLAMA_ROPE, **extra}

        def fresh(c=config):  # a new model per case: the dynamic embedding keeps state between calls
            return build(LlamaForCausalLM, LlamaConfig, c, 99)

        variants[variant] = {
            "config": config,
            "cases": {"left_padded": case(fresh, "llama", LEFT_IDS, LEFT_MASK),
                      "right_padded": case(fresh, "llama", RIGHT_IDS, RIGHT_MASK)},
            "generate": generate(fresh(), config["eos_token_id"], "llama"),
        }
        plain = case(lambda: build(LlamaForCausalLM, LlamaConfig, LLAMA_ROPE, 99), "llama", RIGHT_IDS, RIGHT_MASK)
        diff = max(abs(a - b) for a, b in zip(flat(plain["logits"]), flat(variants[variant]["cases"]["right_padded"]
                                                                          ["logits"])))
        assert diff > 1e-3, f"{variant} must change the logits"
        print(variant, {k: round(v["loss"], 6) for k, v in variants[variant]["cases"].items()},
              variants[variant]["generate"]["tokens"])
    golden = {**header("llama"), "weights": "model.safetensors (config.json: the same model without rope_scaling)",
              "llama3_source": "transformers >= 4.43 _compute_llama3_parameters (4.39 has no llama3)",
              "variants": variants}
    with open(os.path.join(out, "golden.json"), "w") as f:
        json.dump(golden, f)


def flat(x):
    return [v for row in x for v in (flat(row) if isinstance(row[0], list) else row)] if isinstance(x[0], list) else x


def main():
    modeling_mistral.create_sliding_window_causal_mask = mistral_mask_439
    check_mistral_window_matters()
    write_family("tiny_mistral", "mistral", MistralForCausalLM, MistralConfig, MISTRAL, 2024)
    write_family("tiny_gemma", "gemma", GemmaForCausalLM, GemmaConfig, GEMMA, 2025, norm_around_zero=True)
    write_llama_rope()


if __name__ == "__main__":
    main()
