#!/usr/bin/env python3
"""Writes toolkit/src/test/resources/reference/tiny_bloom/ and tiny_bert/: tiny seeded Bloom and BERT models built
by transformers itself, saved with save_pretrained, and what transformers' and PEFT's own forward, generate and
save_pretrained return for them (golden.json next to each checkpoint or adapter).

tiny_bloom/ (BloomForCausalLM, 6 heads: not a power of two, so ALiBi's extra slopes are used)
  config.json, model.safetensors      save_pretrained (lm_head tied to word_embeddings, not stored)
  golden.json                         cases.right_padded / left_padded: logits and loss; post_layernorm_residual:
                                      right_padded logits with apply_residual_connection_post_layernorm=True;
                                      generate / generate_no_eos: greedy tokens of a left-padded batch;
                                      alibi_slopes: build_alibi_tensor's slopes for many head counts
  bf16_sharded/                       the same weights saved in bfloat16 as shards with model.safetensors.index.json,
                                      and the right_padded logits of those (bf16-rounded) weights run in float32
  lora/                               PEFT LoraConfig(task_type=CAUSAL_LM), default targets (query_key_value),
                                      weights perturbed; logits, loss, the saved keys and shapes
  prefix/                             PEFT PrefixTuningConfig(CAUSAL_LM, 3 virtual tokens): get_prompt(2) after
                                      bloom_model_postprocess_past_key_value (keys (B*H, hd, P), values (B*H, P, hd))
tiny_bert/ (one encoder, three heads; 4 heads, 2 layers)
  seqcls/, tokcls/, qa/               BertForSequenceClassification (pooler; num_labels 3), BertForTokenClassification
                                      (num_labels 3), BertForQuestionAnswering: logits and losses of a right-padded
                                      and a left-padded batch with token_type_ids; seqcls also has BertModel's
                                      last_hidden_state and pooler_output
  seqcls_gamma_beta/                  seqcls's checkpoint with LayerNorm weights named gamma/beta (old TF exports)
  tokcls/lora, qa/lora                LoRA with PEFT's default targets (query, value) and task types TOKEN_CLS /
                                      QUESTION_ANS: logits, losses, saved keys. QA is called with token_type_ids,
                                      which PEFT 0.10's PeftModelForQuestionAnswering does not pass on.
  tokcls/prompt_tuning, qa/p_tuning   prompt learning: logits over P + T positions, losses
param_lines.json                      PEFT's print_trainable_parameters() lines for the shipped configs
                                      (bigscience/bloomz-560m, bert-base-uncased), on the meta device

The stack. The target is transformers 4.39 and PEFT 0.10 (the team's offline reference stack). The 4.39 transformers
snapshot is too large to bring to this machine, so this runs transformers 4.57.6 (pip wheel, torch 2.x) with
attn_implementation="eager" and PEFT v0.10.0 / accelerate v0.28.0 from their git tags:

    PYTHONPATH=<peft v0.10.0>/src:<accelerate v0.28.0>/src <python with torch + transformers==4.57.6> \
        scripts/bert_bloom_reference.py

What differs between the two transformers versions for these models, and why the numbers are 4.39's:
- BERT: 4.57's eager BertSelfAttention, embeddings, pooler and heads are 4.39's code; the encoder mask is the same
  (1 - mask) * finfo.min added to the scores.
- Bloom: 4.39 fills masked scores with finfo.min (masked_fill of _prepare_4d_causal_attention_mask(...).bool());
  4.57 adds a mask holding finfo.min there. Added to a score of ordinary size, finfo.min rounds back to finfo.min,
  so both give the same probabilities, fully masked rows (left-padding queries) included, where both are uniform.
  The script checks that 4.57's mask hides exactly the entries 4.39's does. ALiBi (build_alibi_tensor), the fused
  query_key_value layout, BloomGelu and the blocks are unchanged. 4.57 keeps keys and values in a Cache object
  instead of Bloom's (B*H, hd, S) tuples; the values are the same.
- PEFT 0.10's prefix tuning hands Bloom the 4.39 tuple format, which 4.57 no longer reads, so prefix/ records
  get_prompt's output (the past_key_values PEFT passes) rather than logits.
"""
import json
import os
import sys

import torch
import transformers
from transformers import (BertConfig, BertForQuestionAnswering, BertForSequenceClassification,
                          BertForTokenClassification, BloomConfig, BloomForCausalLM)
from transformers.modeling_attn_mask_utils import _prepare_4d_causal_attention_mask
from transformers.models.bloom.modeling_bloom import build_alibi_tensor

import peft
from peft import (LoraConfig, PeftModel, PrefixTuningConfig, PromptEncoderConfig, PromptTuningConfig, TaskType,
                  get_peft_model)

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
REF = os.path.join(ROOT, "toolkit", "src", "test", "resources", "reference")
SHIPPED = os.path.join(ROOT, "toolkit", "src", "main", "resources", "ai", "peft4j", "models")
SCRIPT = "scripts/bert_bloom_reference.py"
VERSIONS = {"torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__,
            "attn_implementation": "eager"}

torch.set_num_threads(2)


def dump(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, default=lambda o: sorted(o) if isinstance(o, set) else str(o))
        f.write("\n")


def safetensors_header(path):
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
    return {k: v["shape"] for k, v in sorted(header.items()) if k != "__metadata__"}


def seeded(model, seed):
    """Overwrites every parameter with seeded values large enough that every part of the model matters."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            norm = "layernorm" in name.lower() or name.startswith("transformer.ln_f")
            if norm and name.endswith("weight"):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=g))
            elif name.endswith("bias"):
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
            elif "embeddings" in name:
                p.copy_(0.5 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.3 * torch.randn(p.shape, generator=g))
    return model


def perturb_trainable(peft_model, seed, scale=0.3):
    """PEFT starts LoRA B (and copies of heads) at values that change nothing; make every trainable tensor count."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, p in peft_model.named_parameters():
            if p.requires_grad:
                p.copy_(scale * torch.randn(p.shape, generator=g))


def causal_loss(logits, labels):
    return torch.nn.functional.cross_entropy(
        logits[:, :-1].reshape(-1, logits.shape[-1]), labels[:, 1:].reshape(-1)).item()


# ----------------------------------------------------------------------------------------------------------- Bloom

BLOOM_CONFIG = dict(vocab_size=64, hidden_size=24, n_layer=2, n_head=6, layer_norm_epsilon=1e-5,
                    initializer_range=0.02, bos_token_id=1, eos_token_id=2, pad_token_id=3,
                    apply_residual_connection_post_layernorm=False, hidden_dropout=0.0, attention_dropout=0.0)
BLOOM_BATCHES = {
    "right_padded": {"input_ids": [[1, 10, 20, 30, 40, 50, 60, 5], [1, 7, 8, 9, 11, 3, 3, 3]],
                     "attention_mask": [[1] * 8, [1, 1, 1, 1, 1, 0, 0, 0]],
                     "labels": [[1, 10, 20, 30, 40, 50, 60, 5], [1, 7, 8, 9, 11, -100, -100, -100]]},
    "left_padded": {"input_ids": [[1, 10, 20, 30, 40, 50, 60, 5], [3, 3, 3, 1, 7, 8, 9, 11]],
                    "attention_mask": [[1] * 8, [0, 0, 0, 1, 1, 1, 1, 1]],
                    "labels": [[1, 10, 20, 30, 40, 50, 60, 5], [-100, -100, -100, 1, 7, 8, 9, 11]]},
}
BLOOM_GENERATE = {"input_ids": [[1, 10, 20, 30, 40], [3, 3, 1, 7, 8]],
                  "attention_mask": [[1, 1, 1, 1, 1], [0, 0, 1, 1, 1]], "max_new_tokens": 8}


def bloom(post_ln=False):
    c = BloomConfig(**dict(BLOOM_CONFIG, apply_residual_connection_post_layernorm=post_ln))
    c._attn_implementation = "eager"
    return BloomForCausalLM(c).eval()


def tensors(batch):
    return {k: torch.tensor(v) for k, v in batch.items()}


def check_bloom_mask(model, batch):
    """4.57's eager causal mask hides exactly what 4.39's _prepare_4d_causal_attention_mask(...).bool() hides."""
    ids, mask = torch.tensor(batch["input_ids"]), torch.tensor(batch["attention_mask"])
    embeds = model.transformer.word_embeddings(ids)
    new = model.transformer._update_causal_mask(mask, embeds, torch.arange(ids.shape[1]), None, False)
    old = _prepare_4d_causal_attention_mask(mask, ids.shape, embeds, 0).bool()
    assert torch.equal(new == torch.finfo(torch.float32).min, old), "4.57 and 4.39 Bloom masks differ"


def bloom_cases(model):
    out = {}
    with torch.no_grad():
        for name, batch in BLOOM_BATCHES.items():
            check_bloom_mask(model, batch)
            t = tensors(batch)
            logits = model(input_ids=t["input_ids"], attention_mask=t["attention_mask"], use_cache=False).logits
            out[name] = {"logits": logits.tolist(), "loss": causal_loss(logits, t["labels"])}
    return out


def write_bloom():
    out = os.path.join(REF, "tiny_bloom")
    torch.manual_seed(0)
    model = seeded(bloom(), 1234)
    model.save_pretrained(out)
    golden = {"versions": VERSIONS, "script": SCRIPT, "config": BLOOM_CONFIG, "inputs": BLOOM_BATCHES}
    golden["cases"] = bloom_cases(model)

    post = bloom(post_ln=True)
    post.load_state_dict(model.state_dict())
    with torch.no_grad():
        t = tensors(BLOOM_BATCHES["right_padded"])
        golden["cases"]["post_layernorm_residual"] = {
            "apply_residual_connection_post_layernorm": True,
            "logits": post(input_ids=t["input_ids"], attention_mask=t["attention_mask"]).logits.tolist()}

    g = BLOOM_GENERATE
    ids, mask = torch.tensor(g["input_ids"]), torch.tensor(g["attention_mask"])
    with torch.no_grad():
        with_eos = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=g["max_new_tokens"],
                                  do_sample=False, num_beams=1, pad_token_id=3, eos_token_id=2)
        model.generation_config.eos_token_id = None
        no_eos = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=g["max_new_tokens"],
                                do_sample=False, num_beams=1, pad_token_id=3)
    golden["generate"] = dict(g, pad_token_id=3, eos_token_id=2, sequences=with_eos.tolist())
    golden["generate_no_eos"] = dict(g, pad_token_id=3, eos_token_id=None, sequences=no_eos.tolist())

    slopes = {}
    for n in list(range(1, 21)) + [24, 32, 40, 48, 64, 96, 112]:
        slopes[str(n)] = build_alibi_tensor(torch.ones(1, 2, dtype=torch.long), n, torch.float32)[:, 0, 1].tolist()
    golden["alibi_slopes"] = slopes
    dump(os.path.join(out, "golden.json"), golden)

    # bfloat16 shards: transformers' own sharded format; the reference runs the rounded weights in float32.
    shard_dir = os.path.join(out, "bf16_sharded")
    bf16 = bloom()
    bf16.load_state_dict(model.state_dict())
    bf16.to(torch.bfloat16).save_pretrained(shard_dir, max_shard_size="12KB")
    back = BloomForCausalLM.from_pretrained(shard_dir, torch_dtype=torch.float32, attn_implementation="eager").eval()
    with torch.no_grad():
        t = tensors(BLOOM_BATCHES["right_padded"])
        logits = back(input_ids=t["input_ids"], attention_mask=t["attention_mask"]).logits
    dump(os.path.join(shard_dir, "golden.json"), {
        "versions": VERSIONS, "script": SCRIPT, "dtype": "bfloat16",
        "files": sorted(os.listdir(shard_dir)), "inputs": BLOOM_BATCHES["right_padded"],
        "logits": logits.tolist(), "loss": causal_loss(logits, t["labels"])})

    # LoRA with PEFT's default targets for bloom.
    base = bloom()
    base.load_state_dict(model.state_dict())
    base.name_or_path = "tiny_bloom"
    torch.manual_seed(7)
    lora = get_peft_model(base, LoraConfig(task_type=TaskType.CAUSAL_LM, r=4, lora_alpha=8, lora_dropout=0.0))
    perturb_trainable(lora, 99)
    lora.eval()
    lora_dir = os.path.join(out, "lora")
    lora.save_pretrained(lora_dir)
    cases = {}
    with torch.no_grad():
        for name, batch in BLOOM_BATCHES.items():
            t = tensors(batch)
            logits = lora(input_ids=t["input_ids"], attention_mask=t["attention_mask"]).logits
            cases[name] = {"logits": logits.tolist(), "loss": causal_loss(logits, t["labels"])}
    dump(os.path.join(lora_dir, "golden.json"), {
        "versions": VERSIONS, "script": SCRIPT, "peft_config": lora.peft_config["default"].to_dict(),
        "target_modules": sorted(lora.peft_config["default"].target_modules),
        "adapter_file_keys": safetensors_header(os.path.join(lora_dir, "adapter_model.safetensors")),
        "print_trainable_parameters": trainable_line(lora), "cases": cases})

    # Prefix tuning: the past_key_values PEFT hands Bloom.
    base = bloom()
    base.load_state_dict(model.state_dict())
    base.name_or_path = "tiny_bloom"
    torch.manual_seed(8)
    prefix = get_peft_model(base, PrefixTuningConfig(task_type=TaskType.CAUSAL_LM, num_virtual_tokens=3)).eval()
    prefix_dir = os.path.join(out, "prefix")
    prefix.save_pretrained(prefix_dir)
    with torch.no_grad():
        past = prefix.get_prompt(batch_size=2)
    dump(os.path.join(prefix_dir, "golden.json"), {
        "versions": VERSIONS, "script": SCRIPT, "batch_size": 2,
        "note": "get_prompt(2) after PEFT's bloom_model_postprocess_past_key_value: per layer (key (B*H, hd, P), "
                "value (B*H, P, hd))",
        "past_key_values": [[k.tolist(), v.tolist()] for k, v in past]})


def trainable_line(peft_model):
    trainable, total = peft_model.get_nb_trainable_parameters()
    return f"trainable params: {trainable:,d} || all params: {total:,d} || trainable%: {100 * trainable / total}"


# ------------------------------------------------------------------------------------------------------------ BERT

BERT_CONFIG = dict(vocab_size=64, hidden_size=16, num_hidden_layers=2, num_attention_heads=4, intermediate_size=32,
                   hidden_act="gelu", hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
                   max_position_embeddings=16, type_vocab_size=2, initializer_range=0.02, layer_norm_eps=1e-12,
                   pad_token_id=0)
BERT_BATCHES = {
    "right_padded": {"input_ids": [[2, 10, 20, 30, 3, 40, 50, 3], [2, 7, 8, 3, 9, 3, 0, 0]],
                     "attention_mask": [[1] * 8, [1, 1, 1, 1, 1, 1, 0, 0]],
                     "token_type_ids": [[0, 0, 0, 0, 0, 1, 1, 1], [0, 0, 0, 0, 1, 1, 0, 0]],
                     "labels": [1, 2],
                     "token_labels": [[-100, 0, 1, 2, -100, 1, 1, -100], [-100, 2, 0, -100, 1, -100, -100, -100]],
                     "start_positions": [1, 4], "end_positions": [3, 20]},
    "left_padded": {"input_ids": [[2, 10, 20, 30, 3, 40, 50, 3], [0, 0, 2, 7, 8, 3, 9, 3]],
                    "attention_mask": [[1] * 8, [0, 0, 1, 1, 1, 1, 1, 1]],
                    "token_type_ids": [[0, 0, 0, 0, 0, 1, 1, 1], [0, 0, 0, 0, 0, 0, 1, 1]],
                    "labels": [0, 2],
                    "token_labels": [[-100, 0, 1, 2, -100, 1, 1, -100], [-100, -100, -100, 2, 0, -100, 1, -100]],
                    "start_positions": [1, 6], "end_positions": [2, 7]},
}


def bert(cls, **extra):
    c = BertConfig(**dict(BERT_CONFIG, **extra))
    c._attn_implementation = "eager"
    return cls(c).eval()


def bert_inputs(batch, with_types=True):
    out = {"input_ids": torch.tensor(batch["input_ids"]), "attention_mask": torch.tensor(batch["attention_mask"])}
    if with_types:
        out["token_type_ids"] = torch.tensor(batch["token_type_ids"])
    return out


def seqcls_case(m, batch):
    out = m(**bert_inputs(batch), labels=torch.tensor(batch["labels"]))
    enc = m.bert(**bert_inputs(batch))
    return {"logits": out.logits.tolist(), "loss": out.loss.item(),
            "last_hidden_state": enc.last_hidden_state.tolist(), "pooler_output": enc.pooler_output.tolist()}


def tokcls_case(m, batch, labels=None):
    out = m(**bert_inputs(batch), labels=torch.tensor(labels if labels is not None else batch["token_labels"]))
    return {"logits": out.logits.tolist(), "loss": out.loss.item()}


def qa_case(m, batch):
    out = m(**bert_inputs(batch), start_positions=torch.tensor(batch["start_positions"]),
            end_positions=torch.tensor(batch["end_positions"]))
    return {"start_logits": out.start_logits.tolist(), "end_logits": out.end_logits.tolist(), "loss": out.loss.item()}


def write_bert():
    out = os.path.join(REF, "tiny_bert")
    torch.manual_seed(0)
    seqcls = seeded(bert(BertForSequenceClassification, num_labels=3), 4321)
    encoder = {k: v for k, v in seqcls.state_dict().items() if k.startswith("bert.") and "pooler" not in k}
    tokcls = seeded(bert(BertForTokenClassification, num_labels=3), 4322)
    tokcls.load_state_dict(encoder, strict=False)
    qa = seeded(bert(BertForQuestionAnswering), 4323)
    qa.load_state_dict(encoder, strict=False)
    models = {"seqcls": (seqcls, seqcls_case), "tokcls": (tokcls, tokcls_case), "qa": (qa, qa_case)}
    with torch.no_grad():
        for name, (m, case) in models.items():
            d = os.path.join(out, name)
            m.save_pretrained(d)
            dump(os.path.join(d, "golden.json"), {
                "versions": VERSIONS, "script": SCRIPT, "config": BERT_CONFIG, "inputs": BERT_BATCHES,
                "cases": {b: case(m, batch) for b, batch in BERT_BATCHES.items()}})

    # The same checkpoint with LayerNorm.gamma / LayerNorm.beta, as TF-converted checkpoints name them.
    from safetensors.torch import save_file
    renamed = {k.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta"):
               v.contiguous() for k, v in seqcls.state_dict().items()}
    gb = os.path.join(out, "seqcls_gamma_beta")
    os.makedirs(gb, exist_ok=True)
    save_file(renamed, os.path.join(gb, "model.safetensors"), metadata={"format": "pt"})
    seqcls.config.to_json_file(os.path.join(gb, "config.json"))
    assert torch.allclose(BertForSequenceClassification.from_pretrained(gb).bert.embeddings.LayerNorm.weight,
                          seqcls.bert.embeddings.LayerNorm.weight)

    # LoRA with PEFT's default targets, TOKEN_CLS and QUESTION_ANS.
    for name, cls, task, extra in [("tokcls", BertForTokenClassification, TaskType.TOKEN_CLS, {"num_labels": 3}),
                                   ("qa", BertForQuestionAnswering, TaskType.QUESTION_ANS, {})]:
        base = bert(cls, **extra)
        base.load_state_dict(models[name][0].state_dict())
        base.name_or_path = "tiny_bert/" + name
        torch.manual_seed(11)
        lora = get_peft_model(base, LoraConfig(task_type=task, r=4, lora_alpha=8, lora_dropout=0.0))
        perturb_trainable(lora, 77)
        lora.eval()
        d = os.path.join(out, name, "lora")
        lora.save_pretrained(d)
        cases = {}
        with torch.no_grad():
            for b, batch in BERT_BATCHES.items():
                if task == TaskType.TOKEN_CLS:
                    cases[b] = tokcls_case(lora, batch)
                else:
                    cases[b] = qa_case(lora, batch)
                    # PEFT drops token_type_ids; what the adapted model gives when it does get them:
                    with_types = lora.base_model(**bert_inputs(batch))
                    cases[b]["start_logits_with_token_types"] = with_types.start_logits.tolist()
        dump(os.path.join(d, "golden.json"), {
            "versions": VERSIONS, "script": SCRIPT, "peft_config": lora.peft_config["default"].to_dict(),
            "target_modules": sorted(lora.peft_config["default"].target_modules),
            "adapter_file_keys": safetensors_header(os.path.join(d, "adapter_model.safetensors")),
            "print_trainable_parameters": trainable_line(lora), "cases": cases})

    # Prompt learning: prompt tuning on TOKEN_CLS, p-tuning on QUESTION_ANS (virtual tokens prepended).
    p = 3
    for name, cls, config, extra in [
            ("tokcls", BertForTokenClassification,
             PromptTuningConfig(task_type=TaskType.TOKEN_CLS, num_virtual_tokens=p), {"num_labels": 3}),
            ("qa", BertForQuestionAnswering,
             PromptEncoderConfig(task_type=TaskType.QUESTION_ANS, num_virtual_tokens=p, encoder_hidden_size=8), {})]:
        base = bert(cls, **extra)
        base.load_state_dict(models[name][0].state_dict())
        base.name_or_path = "tiny_bert/" + name
        torch.manual_seed(12)
        pl = get_peft_model(base, config)
        perturb_trainable(pl, 55)
        pl.eval()
        d = os.path.join(out, name, "prompt_tuning" if name == "tokcls" else "p_tuning")
        pl.save_pretrained(d)
        cases = {}
        with torch.no_grad():
            for b, batch in BERT_BATCHES.items():
                if name == "tokcls":
                    labels = [[-100] * p + row for row in batch["token_labels"]]
                    cases[b] = dict(tokcls_case(pl, batch, labels), labels=labels)
                else:
                    cases[b] = qa_case(pl, batch)
        dump(os.path.join(d, "golden.json"), {
            "versions": VERSIONS, "script": SCRIPT, "peft_config": pl.peft_config["default"].to_dict(),
            "adapter_file_keys": safetensors_header(os.path.join(d, "adapter_model.safetensors")),
            "print_trainable_parameters": trainable_line(pl), "cases": cases})


# ----------------------------------------------------------------------------------------- published-size counts

def shipped(family, name):
    with open(os.path.join(SHIPPED, family, name + ".json")) as f:
        return json.load(f)


def write_param_lines():
    lines = {}
    with torch.device("meta"):
        bloomz = BloomConfig(**shipped("bloom", "bigscience--bloomz-560m"))
        for key, config in [
                ("bloomz-560m p_tuning CAUSAL_LM 20 tokens encoder_hidden_size 128",
                 PromptEncoderConfig(task_type=TaskType.CAUSAL_LM, num_virtual_tokens=20, encoder_hidden_size=128)),
                ("bloomz-560m prefix_tuning CAUSAL_LM 20 tokens",
                 PrefixTuningConfig(task_type=TaskType.CAUSAL_LM, num_virtual_tokens=20)),
                ("bloomz-560m lora CAUSAL_LM r 8 default targets",
                 LoraConfig(task_type=TaskType.CAUSAL_LM, r=8))]:
            lines[key] = trainable_line(get_peft_model(BloomForCausalLM(bloomz), config))
        bert_json = shipped("bert", "bert-base-uncased")
        for key, cls, config in [
                ("bert-base-uncased lora TOKEN_CLS r 8 default targets", BertForTokenClassification,
                 LoraConfig(task_type=TaskType.TOKEN_CLS, r=8)),
                ("bert-base-uncased lora QUESTION_ANS r 16 default targets", BertForQuestionAnswering,
                 LoraConfig(task_type=TaskType.QUESTION_ANS, r=16)),
                ("bert-base-uncased lora SEQ_CLS r 8 default targets", BertForSequenceClassification,
                 LoraConfig(task_type=TaskType.SEQ_CLS, r=8)),
                ("bert-base-uncased prefix_tuning TOKEN_CLS 20 tokens", BertForTokenClassification,
                 PrefixTuningConfig(task_type=TaskType.TOKEN_CLS, num_virtual_tokens=20))]:
            lines[key] = trainable_line(get_peft_model(cls(BertConfig(**bert_json)), config))
    dump(os.path.join(REF, "param_lines_bert_bloom.json"), {"versions": VERSIONS, "script": SCRIPT, "lines": lines})
    for k, v in lines.items():
        print(k, "->", v)


if __name__ == "__main__":
    write_bloom()
    write_bert()
    write_param_lines()
    print("wrote", REF)
