"""Reference data for LoRA on embeddings, PEFT's `bias` options and `save_embedding_layers`, from PEFT 0.10.

Writes toolkit/src/test/resources/reference/tiny_opt_lora_extras/:

  embedding/   LoraConfig(r=4, lora_alpha=8, target_modules=["embed_tokens", "q_proj"], lora_dropout=0.0,
               init_lora_weights=False, task_type=CAUSAL_LM), torch.manual_seed(31) before get_peft_model, saved with
               PEFT's default save_embedding_layers="auto" (embed_tokens is in target_modules, so PEFT also saves the
               base table as ...embed_tokens.base_layer.weight). golden.json: logits (peft, disabled, reloaded,
               merged), the merged embedding table, the printed line, the file keys, one AdamW step
               (lr 1e-3, betas 0.9/0.999, eps 1e-8, no decay) from a reload with is_trainable=True.
  embedding_init/  golden.json only: the same config with init_lora_weights=True: A is all zeros, B is not
               (PEFT's inverted init), and the logits equal the base's.
  bias_all/, bias_lora_only/   LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj","v_proj"], init_lora_weights=False,
               bias="all" | "lora_only", task_type=CAUSAL_LM), torch.manual_seed(32/33): adapter_model.safetensors and
               adapter_config.json as save_pretrained wrote them, golden.json with the printed line and file keys
               (also those of a save with save_embedding_layers=True).

Inputs: the causal-LM batch of hf-reference/wave2/README.md on hf-reference/tiny_opt.

Stack: transformers 4.57.6 (/work/refstack457, read-only), PEFT v0.10.0 and accelerate v0.28.0 from their tagged
sources on PYTHONPATH (git archive v0.10.0 src/peft; git archive v0.28.0 src/accelerate). OPT's forward is the same in
4.39 and 4.57; the script checks the base logits against hf-reference/tiny_opt/golden_base.json.

Run by hand: PYTHONPATH=<dir with peft and accelerate> /work/refstack457/bin/python scripts/lora_embedding_bias_reference.py
"""
import json
import os
import shutil
import tempfile
import warnings

import peft
import torch
import transformers
from peft import LoraConfig, PeftModel, get_peft_model
from safetensors import safe_open
from transformers import OPTForCausalLM

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "toolkit", "src", "test", "resources")
BASE = os.path.join(ROOT, "hf-reference", "tiny_opt")
OUT = os.path.join(ROOT, "reference", "tiny_opt_lora_extras")

INPUTS = {
    "input_ids": [[2, 10, 20, 30, 40, 50, 60, 5], [2, 7, 8, 9, 11, 1, 1, 1]],
    "attention_mask": [[1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0, 0, 0]],
    "labels": [[2, 10, 20, 30, 40, 50, 60, 5], [2, 7, 8, 9, 11, -100, -100, -100]],
}


def base():
    return OPTForCausalLM.from_pretrained(BASE, attn_implementation="eager").float()


def tensors(**kw):
    return {k: torch.tensor(v) for k, v in INPUTS.items() if k in kw.get("keys", ("input_ids", "attention_mask"))}


def logits(model):
    model.eval()
    with torch.no_grad():
        return model(**tensors()).logits


def tolist(t):
    return t.detach().float().tolist()


def file_keys(folder):
    with safe_open(os.path.join(folder, "adapter_model.safetensors"), "pt") as f:
        return {k: list(f.get_slice(k).get_shape()) for k in f.keys()}


def printed(model):
    trainable, total = model.get_nb_trainable_parameters()
    return f"trainable params: {trainable:,d} || all params: {total:,d} || trainable%: {100 * trainable / total}"


def versions():
    return {"peft": peft.__version__, "transformers": transformers.__version__, "torch": torch.__version__}


def check_base():
    golden = json.load(open(os.path.join(BASE, "golden_base.json")))
    ours = logits(base())
    key = "logits" if "logits" in golden else [k for k in golden if "logits" in k][0]
    diff = (ours - torch.tensor(golden[key])).abs().max().item()
    assert diff < 1e-4, diff
    return diff


def embedding():
    folder = os.path.join(OUT, "embedding")
    config = dict(r=4, lora_alpha=8, target_modules=["embed_tokens", "q_proj"], lora_dropout=0.0,
                  init_lora_weights=False, task_type="CAUSAL_LM")
    torch.manual_seed(31)
    model = get_peft_model(base(), LoraConfig(**config))
    g = {"versions": versions(), "config": config, "seed": 31, "inputs": INPUTS}
    g["print_trainable_parameters"] = printed(model)
    g["trainable_parameters"] = [[n, list(p.shape)] for n, p in model.named_parameters() if p.requires_grad]
    g["base_logits"] = tolist(logits(base()))
    g["peft_logits"] = tolist(logits(model))
    with model.disable_adapter():
        g["disable_adapter_logits"] = tolist(logits(model))
    emb = model.base_model.model.model.decoder.embed_tokens
    g["scaling"] = emb.scaling["default"]
    g["delta_weight_embed_tokens"] = tolist(emb.get_delta_weight("default"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.peft_config["default"].base_model_name_or_path = "tiny_opt"  # not this machine's path
        model.save_pretrained(folder)  # save_embedding_layers="auto"
    g["save_warnings"] = sorted({str(w.message) for w in caught if "embedding" in str(w.message)})
    g["adapter_file_keys"] = file_keys(folder)

    reloaded = PeftModel.from_pretrained(base(), folder)
    g["reloaded_from_disk_logits"] = tolist(logits(reloaded))
    merged = PeftModel.from_pretrained(base(), folder).merge_and_unload()
    g["merge_and_unload_logits"] = tolist(logits(merged))
    g["merged_embed_tokens_weight"] = tolist(merged.model.decoder.embed_tokens.weight)
    g["merged_lm_head_is_embed_tokens"] = merged.lm_head.weight is merged.model.decoder.embed_tokens.weight

    # One AdamW step; the padding row (token 1) of A^T gets no gradient (F.embedding's padding_idx).
    trainable = PeftModel.from_pretrained(base(), folder, is_trainable=True)
    trainable.train()
    params = {n: p for n, p in trainable.named_parameters() if p.requires_grad}
    before = {n: tolist(p) for n, p in params.items()}
    opt = torch.optim.AdamW(params.values(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    opt.zero_grad()
    out = trainable(**tensors(keys=("input_ids", "attention_mask", "labels")))
    out.loss.backward()
    g["train_loss"] = out.loss.item()
    g["grads"] = {n: tolist(p.grad) for n, p in params.items()}
    opt.step()
    g["params_before"] = before
    g["params_after_adamw_step"] = {n: tolist(p) for n, p in params.items()}
    json.dump(g, open(os.path.join(folder, "golden.json"), "w"), indent=1)
    readme = os.path.join(folder, "README.md")
    if os.path.exists(readme):
        os.remove(readme)

    torch.manual_seed(31)
    init = get_peft_model(base(), LoraConfig(**dict(config, init_lora_weights=True)))
    emb = init.base_model.model.model.decoder.embed_tokens
    gi = {"versions": versions(), "config": dict(config, init_lora_weights=True), "seed": 31,
          "lora_embedding_A_all_zero": bool((emb.lora_embedding_A["default"] == 0).all()),
          "lora_embedding_B_std": emb.lora_embedding_B["default"].std().item(),
          "lora_embedding_B_nonzero": bool((emb.lora_embedding_B["default"] != 0).all()),
          "peft_vs_base_max_abs_diff": (logits(init) - logits(base())).abs().max().item()}
    os.makedirs(os.path.join(OUT, "embedding_init"), exist_ok=True)
    json.dump(gi, open(os.path.join(OUT, "embedding_init", "golden.json"), "w"), indent=1)


def bias(mode, seed):
    folder = os.path.join(OUT, "bias_" + mode)
    config = dict(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], lora_dropout=0.0,
                  init_lora_weights=False, bias=mode, task_type="CAUSAL_LM")
    torch.manual_seed(seed)
    model = get_peft_model(base(), LoraConfig(**config))
    # Make the biases differ from the base, as after training, so that a test sees which ones were saved.
    with torch.no_grad():
        gen = torch.Generator().manual_seed(seed + 100)
        for n, p in model.named_parameters():
            if p.requires_grad and "bias" in n:
                p.add_(0.1 * torch.randn(p.shape, generator=gen))
    model.peft_config["default"].base_model_name_or_path = "tiny_opt"  # not this machine's path
    model.save_pretrained(folder)
    g = {"versions": versions(), "config": config, "seed": seed, "inputs": INPUTS,
         "post_init": "every trainable parameter whose name contains 'bias' += 0.1*N(0,1), "
                      f"torch.Generator().manual_seed({seed + 100}), named_parameters() order",
         "print_trainable_parameters": printed(model),
         "trainable_parameters": [[n, list(p.shape)] for n, p in model.named_parameters() if p.requires_grad],
         "adapter_file_keys": file_keys(folder),
         "peft_logits": tolist(logits(model))}
    reloaded = PeftModel.from_pretrained(base(), folder)
    g["reloaded_from_disk_logits"] = tolist(logits(reloaded))
    # save_embedding_layers=True with no embedding targeted: PEFT adds the whole tables (tied ones under both keys).
    with tempfile.TemporaryDirectory() as tmp:
        reloaded.save_pretrained(tmp, save_embedding_layers=True)
        g["adapter_file_keys_save_embedding_layers_true"] = file_keys(tmp)
    json.dump(g, open(os.path.join(folder, "golden.json"), "w"), indent=1)
    readme = os.path.join(folder, "README.md")
    if os.path.exists(readme):
        os.remove(readme)


if __name__ == "__main__":
    if os.path.exists(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    print("base vs golden_base", check_base())
    embedding()
    bias("all", 32)
    bias("lora_only", 33)
    print("written", OUT)
