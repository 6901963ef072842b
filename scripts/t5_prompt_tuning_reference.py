#!/usr/bin/env python3
"""Writes toolkit/src/test/resources/reference/tiny_t5_prompt_tuning/: PEFT 0.10's prompt tuning (SEQ_2_SEQ_LM) on
the tiny T5 of hf-reference/wave2/tiny_t5, with what PEFT's forward and generate return.

  PromptTuningConfig(task_type=SEQ_2_SEQ_LM, num_virtual_tokens=3) (PEFT fills num_transformer_submodules=2, so the
  prompt embedding has 6 rows: 3 before the encoder inputs, 3 before the decoder inputs), torch.manual_seed(51)
  before get_peft_model (the embedding's N(0, 1) init).

golden.json: the inputs of wave2/README.md (labels shifted right into the decoder by T5, -100 prefixed to the
labels for the decoder's virtual tokens), PEFT's logits [2, 3 + 6, 64] and loss, its print_trainable_parameters
line and saved keys, and greedy generate (8 new tokens, no EOS) with the virtual tokens before the encoder inputs
only, as PEFT 0.10's generate does. The adapter itself is adapter_config.json + adapter_model.safetensors.

The stack: transformers 4.57.6 (/work/refstack457, read-only, eager attention) with PEFT v0.10.0 and accelerate
v0.28.0 from their tagged sources on PYTHONPATH. T5's forward did not change between 4.39 and 4.57 for these
inputs: the script first checks the base model reproduces wave2/tiny_t5/golden_base.json's logits (4.39) within
1e-5 and its greedy tokens exactly.

Run by hand: PYTHONPATH=<peft v0.10.0>/src:<accelerate v0.28.0>/src /work/refstack457/bin/python \
  scripts/t5_prompt_tuning_reference.py ; the tests only read the files it writes.
"""
import json
import os
import shutil
import tempfile

import peft
import torch
import transformers
from peft import PromptTuningConfig, TaskType, get_peft_model
from safetensors import safe_open
from transformers import T5ForConditionalGeneration

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "toolkit", "src", "test", "resources")
BASE = os.path.join(ROOT, "hf-reference", "wave2", "tiny_t5")
OUT = os.path.join(ROOT, "reference", "tiny_t5_prompt_tuning")

torch.set_num_threads(1)
golden = json.load(open(os.path.join(BASE, "golden_base.json")))
inp = golden["inputs"]
ids = torch.tensor(inp["input_ids"])
mask = torch.tensor(inp["attention_mask"])
labels = torch.tensor(inp["labels"])

model = T5ForConditionalGeneration.from_pretrained(BASE, attn_implementation="eager").eval()
with torch.no_grad():
    base = model(input_ids=ids, attention_mask=mask, labels=labels)
diff = (base.logits - torch.tensor(golden["logits"])).abs().max().item()
assert diff < 1e-5, diff
gen = golden["generate_inputs"]
with torch.no_grad():
    tokens = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=8, do_sample=False, num_beams=1)
assert tokens.tolist() == golden["generate"], tokens.tolist()

torch.manual_seed(51)
config = PromptTuningConfig(task_type=TaskType.SEQ_2_SEQ_LM, num_virtual_tokens=3)
pm = get_peft_model(model, config).eval()
assert pm.peft_config["default"].num_transformer_submodules == 2
import io, contextlib
buf = io.StringIO()
with contextlib.redirect_stdout(buf):
    pm.print_trainable_parameters()
with torch.no_grad():
    out = pm(input_ids=ids, attention_mask=mask, labels=labels)
    generated = pm.generate(input_ids=ids, attention_mask=mask, max_new_tokens=8, do_sample=False, num_beams=1,
                            eos_token_id=None)
if os.path.exists(OUT):
    shutil.rmtree(OUT)
pm.save_pretrained(OUT)
os.remove(os.path.join(OUT, "README.md"))
# PEFT records the base's path as given; keep the folder name only (as wave2/tiny_t5/lora does)
cfg_path = os.path.join(OUT, "adapter_config.json")
cfg = json.load(open(cfg_path))
cfg["base_model_name_or_path"] = "tiny_t5"
json.dump(cfg, open(cfg_path, "w"), indent=2, sort_keys=True)
with safe_open(os.path.join(OUT, "adapter_model.safetensors"), "pt") as f:
    keys = {k: list(f.get_tensor(k).shape) for k in f.keys()}
result = {
    "versions": {"torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__},
    "init": "PromptTuningConfig(task_type=SEQ_2_SEQ_LM, num_virtual_tokens=3), torch.manual_seed(51) before "
            "get_peft_model; base: hf-reference/wave2/tiny_t5 (eager)",
    "inputs": inp,
    "num_transformer_submodules": 2,
    "print_trainable_parameters": buf.getvalue().strip(),
    "peft_logits_shape": list(out.logits.shape),
    "peft_logits": out.logits.tolist(),
    "peft_loss": out.loss.item(),
    "base_vs_golden_max_abs_diff": diff,
    "peft_generate_no_eos": generated.tolist(),
    "adapter_file_keys": keys,
}
json.dump(result, open(os.path.join(OUT, "golden.json"), "w"), indent=1)
print(result["print_trainable_parameters"], result["peft_loss"], result["peft_generate_no_eos"], keys)
