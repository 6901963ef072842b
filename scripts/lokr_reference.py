"""LoKr reference for peft4j's tests: PEFT 0.10's LoKr on the tiny OPT fixture (hf-reference/tiny_opt).

Writes toolkit/src/test/resources/reference/tiny_opt_lokr/: adapter_config.json and adapter_model.safetensors as
PEFT's save_pretrained wrote them, and golden.json with
  config       LoKrConfig(r=1, alpha=2, decompose_both=True, rank_pattern={"fc1": 4}, init_weights=False,
               target_modules=["q_proj", "v_proj", "fc1"], task_type=CAUSAL_LM), torch.manual_seed(23) before
               get_peft_model. q_proj/v_proj (16x16, factors (4,4)x(4,4), r=1): w1 = w1_a@w1_b, w2 = w2_a@w2_b;
               fc1 (32x16, out (4,8), in (4,4), r=4): full lokr_w1 [4,4] and lokr_w2 [8,4].
  base_logits, peft_logits, disable_adapter_logits, reloaded_from_disk_logits, merge_and_unload_logits
  delta_weights (get_delta_weight of every layer-0 module), merged layer-0 weights
  print_trainable_parameters, trainable_parameters (in-memory names and shapes), adapter_file_keys
  train_step   model.train(), loss, every gradient and every parameter after one
               torch.optim.AdamW(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0) step (in-memory names)
  factorization  PEFT's lokr.layer.factorization(dimension, factor) for a table of inputs
  base_vs_fixture_max_abs_diff  this stack's base logits against hf-reference/tiny_opt/golden_base.json

PEFT 0.10's LoKr does not apply alpha / r to the weight change (make_kron(w1, w2) with scale 1); the numbers show it.

Stack: /work/refstack457 (torch 2.x CPU, transformers 4.57, eager attention) with PEFT v0.10.0 and accelerate v0.28.0
from their tagged sources on PYTHONPATH (`git archive v0.10.0 src/peft`, `git archive v0.28.0 src/accelerate`).
Run by hand: PYTHONPATH=<peft src>:<accelerate src> /work/refstack457/bin/python scripts/lokr_reference.py
The tests only read the files it writes.
"""
import json
import os
import shutil
import tempfile

import peft
import torch
import transformers
from peft import LoKrConfig, PeftModel, get_peft_model
from peft.tuners.lokr.layer import factorization
from safetensors import safe_open
from transformers import OPTForCausalLM

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "toolkit", "src", "test", "resources")
BASE = os.path.join(ROOT, "hf-reference", "tiny_opt")
OUT = os.path.join(ROOT, "reference", "tiny_opt_lokr")

INPUTS = {
    "input_ids": [[2, 10, 20, 30, 40, 50, 60, 5], [2, 7, 8, 9, 11, 1, 1, 1]],
    "attention_mask": [[1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0, 0, 0]],
    "labels": [[2, 10, 20, 30, 40, 50, 60, 5], [2, 7, 8, 9, 11, -100, -100, -100]],
}


def base_model():
    model = OPTForCausalLM.from_pretrained(BASE, attn_implementation="eager").float().eval()
    model.name_or_path = "tiny_opt"  # PEFT writes it as base_model_name_or_path, as in hf-reference/wave2
    return model


def logits(model):
    with torch.no_grad():
        return model(input_ids=torch.tensor(INPUTS["input_ids"]),
                     attention_mask=torch.tensor(INPUTS["attention_mask"])).logits


def tolist(t):
    return t.detach().float().tolist()


def main():
    torch.set_num_threads(1)
    out = {"versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                        "peft": peft.__version__}, "inputs": INPUTS}
    fixture = json.load(open(os.path.join(BASE, "golden_base.json")))
    model = base_model()
    base = logits(model)
    out["base_logits"] = tolist(base)
    out["base_vs_fixture_max_abs_diff"] = (base - torch.tensor(fixture["logits"])).abs().max().item()

    config = LoKrConfig(r=1, alpha=2, decompose_both=True, rank_pattern={"fc1": 4}, init_weights=False,
                        target_modules=["q_proj", "v_proj", "fc1"], task_type="CAUSAL_LM")
    out["config"] = repr(config)
    torch.manual_seed(23)
    pm = get_peft_model(model, config)
    pm.eval()
    out["peft_logits"] = tolist(logits(pm))
    with pm.disable_adapter():
        out["disable_adapter_logits"] = tolist(logits(pm))
    trainable, total = pm.get_nb_trainable_parameters()
    out["print_trainable_parameters"] = (f"trainable params: {trainable:,d} || all params: {total:,d} || "
                                         f"trainable%: {100 * trainable / total}")
    out["trainable_parameters"] = [[n, list(p.shape)] for n, p in pm.named_parameters() if p.requires_grad]
    deltas = {}
    for name, module in pm.base_model.model.named_modules():
        if hasattr(module, "lokr_w1") and ".layers.0." in name:
            deltas[name] = tolist(module.get_delta_weight("default"))
    out["delta_weights"] = deltas

    if os.path.exists(OUT):
        shutil.rmtree(OUT)
    pm.save_pretrained(OUT)
    os.remove(os.path.join(OUT, "README.md"))  # PEFT's model card; not needed
    with safe_open(os.path.join(OUT, "adapter_model.safetensors"), "pt") as f:
        out["adapter_file_keys"] = {k: list(f.get_tensor(k).shape) for k in f.keys()}

    reloaded = PeftModel.from_pretrained(base_model(), OUT).eval()
    out["reloaded_from_disk_logits"] = tolist(logits(reloaded))

    merged = pm.merge_and_unload()
    out["merge_and_unload_logits"] = tolist(logits(merged))
    for name in ["self_attn.q_proj", "self_attn.v_proj", "fc1"]:
        out["merged_model.decoder.layers.0." + name + ".weight"] = tolist(
            merged.get_submodule("model.decoder.layers.0." + name).weight)

    # One training step from the saved adapter.
    tm = PeftModel.from_pretrained(base_model(), OUT, is_trainable=True)
    tm.train()
    params = {n: p for n, p in tm.named_parameters() if p.requires_grad}
    opt = torch.optim.AdamW(params.values(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    opt.zero_grad()
    loss = tm(input_ids=torch.tensor(INPUTS["input_ids"]), attention_mask=torch.tensor(INPUTS["attention_mask"]),
              labels=torch.tensor(INPUTS["labels"])).loss
    loss.backward()
    step = {"loss": loss.item(), "grads": {n: tolist(p.grad) for n, p in params.items()}}
    opt.step()
    step["params_after_adamw_step"] = {n: tolist(p) for n, p in params.items()}
    out["train_step"] = step

    table = []
    for dim in [1, 2, 7, 12, 16, 32, 36, 64, 100, 127, 128, 256, 768, 3072]:
        for factor in [-1, 0, 1, 2, 3, 4, 8, 16]:
            table.append([dim, factor, list(factorization(dim, factor))])
    out["factorization"] = table

    with open(os.path.join(OUT, "golden.json"), "w") as f:
        json.dump(out, f)
    print(out["print_trainable_parameters"], "base diff", out["base_vs_fixture_max_abs_diff"],
          "loss", step["loss"])


if __name__ == "__main__":
    main()
