"""Weighted adapter merges for peft4j's tests: PEFT 0.10's LoraModel.add_weighted_adapter on the tiny OPT fixture.

Writes toolkit/src/test/resources/reference/tiny_opt_weighted/:
  adapters/<name>/   adapter_config.json + adapter_model.safetensors of the three source adapters, as PEFT's
                     save_pretrained wrote them (init_lora_weights=False, so B is not zero; PEFT 0.10
                     picks an adapter's keys by substring, so no name is part of another key):
                       sql   r=4, lora_alpha=8,  target_modules=["q_proj", "v_proj", "embed_tokens"]  (seed 11;
                             lora_embedding_B scaled by 0.1 before saving so the embedding deltas stay small)
                       chat  r=4, lora_alpha=16, target_modules=["q_proj", "v_proj", "fc1"]            (seed 12)
                       math  r=2, lora_alpha=3,  target_modules=["q_proj", "v_proj"]                   (seed 13)
  golden.json        inputs, base_logits, and per case (CASES below: the merged adapter's name, the sources, their
                     weights, combination_type and options):
                       adapter_config  the merged adapter's adapter_config.json as save_pretrained wrote it
                       delta_weights   get_delta_weight(<name>) of every LoRA layer holding the merged adapter
                                       (B@A*scaling: for the SVD types this, not the factors, is what is compared)
                       logits          the golden inputs with the merged adapter active
                       factors         SVD types: the new lora_A / lora_B (or lora_embedding_A / _B), torch's
                                       Vh and U*S (their signs are LAPACK's choice, which svd_clamp depends on)
                     and "errors": the ValueError text PEFT raises for bad input.
DARE draws its masks with torch.bernoulli, which peft4j cannot replay; the DARE cases here use density=1.0, where
PEFT's prune() keeps every value, so their numbers are exact. (PEFT 0.10's random_pruning also drops the result of
its rescale, torch.div(...), so in 0.10 DARE never divides by the density.)
PEFT 0.10 cannot save an SVD-merged adapter (its factors are non-contiguous views, which safetensors refuses); the
script makes them contiguous (same values) before save_pretrained, which it calls for the config.

Stack: /work/refstack457 (torch 2.13 CPU, transformers 4.57.6, eager attention) with PEFT v0.10.0 and accelerate v1.10.0
(the version transformers 4.57 imports from)
from their tagged sources on PYTHONPATH.
Run by hand: PYTHONPATH=/work/refsrc/peft010:/work/refsrc/accel028 /work/refstack457/bin/python \
    scripts/weighted_adapter_reference.py
The tests only read the files it writes.
"""
import json
import os
import shutil
import tempfile

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # save_pretrained looks up "tiny_opt" on the Hub otherwise

import peft
import torch
import transformers
from peft import LoraConfig, PeftModel, get_peft_model
from peft.tuners.lora import LoraLayer
from transformers import OPTForCausalLM

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "toolkit", "src", "test", "resources")
BASE = os.path.join(ROOT, "hf-reference", "tiny_opt")
OUT = os.path.join(ROOT, "reference", "tiny_opt_weighted")

INPUTS = {
    "input_ids": [[2, 10, 20, 30, 40, 50, 60, 5], [2, 7, 8, 9, 11, 1, 1, 1]],
    "attention_mask": [[1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0, 0, 0]],
}

SOURCES = {
    "sql": (11, dict(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj", "embed_tokens"])),
    "chat": (12, dict(r=4, lora_alpha=16, target_modules=["q_proj", "v_proj", "fc1"])),
    "math": (13, dict(r=2, lora_alpha=3, target_modules=["q_proj", "v_proj"])),
}

EQUAL = (["sql", "chat"], [0.7, 1.3])
ALL3 = (["sql", "chat", "math"], [0.6, -0.5, 1.2])
# name: (adapters, weights, combination_type, keyword options)
CASES = {
    "m_linear": (*EQUAL, "linear", {}),
    "m_ties": (*EQUAL, "ties", {"density": 0.5}),
    "m_ties_frequency": (*EQUAL, "ties", {"density": 0.3, "majority_sign_method": "frequency"}),
    "m_dare_linear": (*EQUAL, "dare_linear", {"density": 1.0}),
    "m_dare_ties": (*EQUAL, "dare_ties", {"density": 1.0, "majority_sign_method": "frequency"}),
    "m_magnitude_prune": (*EQUAL, "magnitude_prune", {"density": 0.5}),
    "m_cat": (*ALL3, "cat", {}),
    "m_svd": (*ALL3, "svd", {}),
    "m_svd_reduced": (*ALL3, "svd", {"svd_full_matrices": False, "svd_rank": 6}),
    "m_svd_clamp": (*ALL3, "svd", {"svd_rank": 3, "svd_clamp": 0.9}),
    "m_ties_svd": (*ALL3, "ties_svd", {"density": 0.5}),
    "m_dare_linear_svd": (*ALL3, "dare_linear_svd", {"density": 1.0}),
    "m_dare_ties_svd": (*ALL3, "dare_ties_svd", {"density": 1.0, "majority_sign_method": "frequency"}),
    "m_magnitude_prune_svd": (*ALL3, "magnitude_prune_svd", {"density": 0.4, "svd_rank": 2}),
    "m_single": (["math"], [2.0], "svd", {}),
}


def base_model():
    model = OPTForCausalLM.from_pretrained(BASE, attn_implementation="eager").float().eval()
    model.name_or_path = "tiny_opt"
    return model


def logits(model):
    with torch.no_grad():
        return model(input_ids=torch.tensor(INPUTS["input_ids"]),
                     attention_mask=torch.tensor(INPUTS["attention_mask"])).logits


def tolist(t):
    return t.detach().float().tolist()


def write_sources():
    model = base_model()
    pm = None
    for name, (seed, kwargs) in SOURCES.items():
        config = LoraConfig(init_lora_weights=False, task_type="CAUSAL_LM", **kwargs)
        torch.manual_seed(seed)
        if pm is None:
            pm = get_peft_model(model, config, adapter_name=name)
        else:
            pm.add_adapter(name, config)
    with torch.no_grad():
        for module in pm.modules():
            if isinstance(module, LoraLayer) and "sql" in module.lora_embedding_B:
                module.lora_embedding_B["sql"].mul_(0.1)
    for name in SOURCES:
        tmp = tempfile.mkdtemp()
        pm.save_pretrained(tmp, selected_adapters=[name])
        src = os.path.join(tmp, name)
        dst = os.path.join(OUT, "adapters", name)
        os.makedirs(dst)
        for f in ["adapter_config.json", "adapter_model.safetensors"]:
            shutil.copy(os.path.join(src, f), os.path.join(dst, f))
        shutil.rmtree(tmp)


def load_sources():
    names = list(SOURCES)
    pm = PeftModel.from_pretrained(base_model(), os.path.join(OUT, "adapters", names[0]), adapter_name=names[0])
    for name in names[1:]:
        pm.load_adapter(os.path.join(OUT, "adapters", name), adapter_name=name)
    return pm.eval()


def error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the text is what is recorded
        return f"{type(e).__name__}: {e}"
    return None


def main():
    torch.set_num_threads(1)
    if os.path.exists(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    write_sources()
    out = {"versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                        "peft": peft.__version__}, "inputs": INPUTS}
    pm = load_sources()
    out["base_logits"] = tolist(logits(pm.get_base_model()))
    with pm.disable_adapter():
        out["disabled_logits"] = tolist(logits(pm))
    cases = {}
    for name, (adapters, weights, ctype, options) in CASES.items():
        pm.add_weighted_adapter(adapters, weights, name, combination_type=ctype, **options)
        pm.set_adapter(name)
        case = {"adapters": adapters, "weights": weights, "combination_type": ctype, "options": options,
                "logits": tolist(logits(pm))}
        deltas = {}
        for key, module in pm.base_model.model.named_modules():
            if isinstance(module, LoraLayer) and (name in module.lora_A or name in module.lora_embedding_A):
                deltas[key] = tolist(module.get_delta_weight(name))
        case["delta_weights"] = deltas
        if ctype.endswith("svd") and len(adapters) > 1:
            factors = {}
            for key, module in pm.base_model.model.named_modules():
                if isinstance(module, LoraLayer) and name in module.lora_A:
                    factors[key] = {"A": tolist(module.lora_A[name].weight), "B": tolist(module.lora_B[name].weight)}
                elif isinstance(module, LoraLayer) and name in module.lora_embedding_A:
                    factors[key] = {"A": tolist(module.lora_embedding_A[name]),
                                    "B": tolist(module.lora_embedding_B[name])}
            case["factors"] = factors
        for p in pm.parameters():  # SVD factors are strided views, which safetensors refuses to save
            p.data = p.data.contiguous()
        tmp = tempfile.mkdtemp()
        pm.save_pretrained(tmp, selected_adapters=[name])
        with open(os.path.join(tmp, name, "adapter_config.json")) as f:
            case["adapter_config"] = json.load(f)
        shutil.rmtree(tmp)
        cases[name] = case
    out["cases"] = cases
    out["errors"] = {
        "linear_unequal_ranks": error(lambda: pm.add_weighted_adapter(["sql", "math"], [1.0, 1.0], "e1", "linear")),
        "unknown_adapter": error(lambda: pm.add_weighted_adapter(["sql", "zz"], [1.0, 1.0], "e2", "svd")),
        "unknown_type": error(lambda: pm.add_weighted_adapter(["sql", "chat"], [1.0, 1.0], "e3", "mean")),
        "linear_negative_weight": error(lambda: pm.add_weighted_adapter(["sql", "chat"], [1.0, -1.0], "e4", "linear")),
    }
    with open(os.path.join(OUT, "golden.json"), "w") as f:
        json.dump(out, f)
    print(json.dumps(out["errors"], indent=1))
    print({n: c["adapter_config"]["r"] for n, c in cases.items()})


if __name__ == "__main__":
    main()
