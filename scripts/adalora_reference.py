"""AdaLoRA reference for peft4j's tests: PEFT 0.10's AdaLoRA on the tiny OPT fixture (hf-reference/tiny_opt).

Writes toolkit/src/test/resources/reference/tiny_opt_adalora/: adapter_config.json and adapter_model.safetensors as
PEFT's save_pretrained wrote them (a fresh adapter, no rank pattern yet), allocated/ (the same adapter saved again
after a short rank-allocation schedule: rank_pattern in the config, tensors resized by it), and golden.json with
  config       AdaLoraConfig(init_r=6, target_r=2, lora_alpha=12, tinit=1, tfinal=1, deltaT=1, total_step=5,
               task_type=CAUSAL_LM), target_modules unset (PEFT fills in OPT's: q_proj, k_proj, v_proj, out_proj,
               fc1, fc2). torch.manual_seed(31) before get_peft_model; PEFT's init draws A, B, E ~ N(0, 0.02), so the
               script then redraws A, B ~ N(0, 0.3) and E ~ N(0, 1) (seeded) for logits that differ from the base.
  print_trainable_parameters, trainable_parameters (in-memory names and shapes) of the fresh model
  base_logits, peft_logits, disable_adapter_logits, reloaded_from_disk_logits, merge_and_unload_logits
  delta_weights (get_delta_weight of every layer-0 module), merged layer-0 weights, adapter_file_keys
  train_step   from the saved adapter, is_trainable=True, model.train(): the loss PEFT's forward returns with labels
               (cross-entropy + orth_reg_weight * orthogonal regulariser), loss_without_reg (the wrapped model's own
               loss), every gradient and every parameter after one torch.optim.AdamW(lr=1e-2, betas=(0.9, 0.999),
               eps=1e-8, weight_decay=0) step (in-memory names)
  schedule     the same model, steps 0..5 of PEFT's loop (forward with labels, backward, AdamW step,
               base_model.update_and_allocate(step), zero_grad) on the golden batch; per step: loss, the budget of
               RankAllocator.budget_schedule(step), config.rank_pattern afterwards (or null) and every lora_E.
               Step 0 is train_step. Then allocated_logits (eval) and, from allocated/, allocated_file_keys and
               allocated_reloaded_logits.
  base_vs_fixture_max_abs_diff  this stack's base logits against hf-reference/tiny_opt/golden_base.json

Stack: /work/refstack457 (torch 2.13 CPU, transformers 4.57.6, eager attention) with PEFT v0.10.0 and accelerate v1.10.0
(the version transformers 4.57 imports from)
from their tagged sources on PYTHONPATH (`git archive v0.10.0 src/peft`, `git archive v1.10.0 src/accelerate`).
Run by hand: PYTHONPATH=<peft src>:<accelerate src> /work/refstack457/bin/python scripts/adalora_reference.py
The tests only read the files it writes.
"""
import json
import os
import shutil

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # base_model_name_or_path "tiny_opt" is no Hub repo

import peft
import torch
import transformers
from peft import AdaLoraConfig, PeftModel, get_peft_model
from safetensors import safe_open
from transformers import OPTForCausalLM

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "toolkit", "src", "test", "resources")
BASE = os.path.join(ROOT, "hf-reference", "tiny_opt")
OUT = os.path.join(ROOT, "reference", "tiny_opt_adalora")
ALLOCATED = os.path.join(OUT, "allocated")

INPUTS = {
    "input_ids": [[2, 10, 20, 30, 40, 50, 60, 5], [2, 7, 8, 9, 11, 1, 1, 1]],
    "attention_mask": [[1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0, 0, 0]],
    "labels": [[2, 10, 20, 30, 40, 50, 60, 5], [2, 7, 8, 9, 11, -100, -100, -100]],
}
LR = 1e-2
STEPS = 6


def base_model():
    model = OPTForCausalLM.from_pretrained(BASE, attn_implementation="eager").float().eval()
    model.name_or_path = "tiny_opt"  # PEFT writes it as base_model_name_or_path, as in hf-reference/wave2
    return model


def logits(model):
    with torch.no_grad():
        return model(input_ids=torch.tensor(INPUTS["input_ids"]),
                     attention_mask=torch.tensor(INPUTS["attention_mask"])).logits


def batch():
    return {k: torch.tensor(v) for k, v in INPUTS.items()}


def tolist(t):
    return t.detach().float().tolist()


def file_keys(folder):
    with safe_open(os.path.join(folder, "adapter_model.safetensors"), "pt") as f:
        return {k: list(f.get_tensor(k).shape) for k in f.keys()}


def save(pm, folder):
    if os.path.exists(folder):
        shutil.rmtree(folder)
    pm.save_pretrained(folder)
    os.remove(os.path.join(folder, "README.md"))  # PEFT's model card; not needed


def main():
    torch.set_num_threads(1)
    out = {"versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                        "peft": peft.__version__}, "inputs": INPUTS, "lr": LR}
    fixture = json.load(open(os.path.join(BASE, "golden_base.json")))
    model = base_model()
    base = logits(model)
    out["base_logits"] = tolist(base)
    out["base_vs_fixture_max_abs_diff"] = (base - torch.tensor(fixture["logits"])).abs().max().item()

    config = AdaLoraConfig(init_r=6, target_r=2, lora_alpha=12, tinit=1, tfinal=1, deltaT=1, total_step=5,
                           task_type="CAUSAL_LM")
    out["config"] = repr(config)
    torch.manual_seed(31)
    pm = get_peft_model(model, config)
    trainable, total = pm.get_nb_trainable_parameters()
    out["print_trainable_parameters"] = (f"trainable params: {trainable:,d} || all params: {total:,d} || "
                                         f"trainable%: {100 * trainable / total}")
    out["trainable_parameters"] = [[n, list(p.shape)] for n, p in pm.named_parameters() if p.requires_grad]
    out["all_parameters"] = [[n, list(p.shape)] for n, p in pm.named_parameters()]
    gen = torch.Generator().manual_seed(5)
    with torch.no_grad():
        for n, p in pm.named_parameters():
            if "lora_A" in n or "lora_B" in n:
                p.copy_(torch.randn(p.shape, generator=gen) * 0.3)
            elif "lora_E" in n:
                p.copy_(torch.randn(p.shape, generator=gen))
    pm.eval()
    out["peft_logits"] = tolist(logits(pm))
    with pm.disable_adapter():
        out["disable_adapter_logits"] = tolist(logits(pm))
    deltas = {}
    for name, module in pm.base_model.model.named_modules():
        if hasattr(module, "lora_E") and ".layers.0." in name:
            deltas[name] = tolist(module.get_delta_weight("default"))
    out["delta_weights"] = deltas

    save(pm, OUT)
    out["adapter_file_keys"] = file_keys(OUT)
    reloaded = PeftModel.from_pretrained(base_model(), OUT).eval()
    out["reloaded_from_disk_logits"] = tolist(logits(reloaded))

    merged = pm.merge_and_unload()
    out["merge_and_unload_logits"] = tolist(logits(merged))
    for name in ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.out_proj", "fc1", "fc2"]:
        out["merged_model.decoder.layers.0." + name + ".weight"] = tolist(
            merged.get_submodule("model.decoder.layers.0." + name).weight)

    # Training from the saved adapter: PEFT's loop, with update_and_allocate after each optimizer step.
    tm = PeftModel.from_pretrained(base_model(), OUT, is_trainable=True)
    tm.train()
    params = {n: p for n, p in tm.named_parameters() if p.requires_grad}
    opt = torch.optim.AdamW(params.values(), lr=LR, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    opt.zero_grad()
    schedule = []
    for step in range(STEPS):
        loss = tm(**batch()).loss
        loss.backward()
        record = {"step": step, "loss": loss.item()}
        if step == 0:
            with torch.no_grad():
                ce = tm.base_model.model(**batch()).loss
            out["train_step"] = {"loss": loss.item(), "loss_without_reg": ce.item(),
                                 "grads": {n: tolist(p.grad) for n, p in params.items()}}
        opt.step()
        if step == 0:
            out["train_step"]["params_after_adamw_step"] = {n: tolist(p) for n, p in params.items()}
        record["budget"] = tm.base_model.rankallocator.budget_schedule(step)[0]
        tm.base_model.update_and_allocate(step)
        opt.zero_grad()
        rp = tm.peft_config["default"].rank_pattern
        record["rank_pattern"] = None if rp is None else {k: [bool(b) for b in v] for k, v in rp.items()}
        record["lora_E"] = {n: tolist(p) for n, p in tm.named_parameters() if "lora_E" in n}
        schedule.append(record)
    out["schedule"] = schedule
    tm.eval()
    out["allocated_logits"] = tolist(logits(tm))
    save(tm, ALLOCATED)
    out["allocated_file_keys"] = file_keys(ALLOCATED)
    again = PeftModel.from_pretrained(base_model(), ALLOCATED).eval()
    out["allocated_reloaded_logits"] = tolist(logits(again))

    with open(os.path.join(OUT, "golden.json"), "w") as f:
        json.dump(out, f)
    print(out["print_trainable_parameters"], "base diff", out["base_vs_fixture_max_abs_diff"],
          "loss", out["train_step"]["loss"], "budgets", [r["budget"] for r in schedule],
          "ranks", {k: sum(v) for k, v in (schedule[-1]["rank_pattern"] or {}).items()})


if __name__ == "__main__":
    main()
