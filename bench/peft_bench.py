#!/usr/bin/env python3
"""The Python side of bench/vs-peft.sh: real transformers + PEFT, timed on the shapes peft4j's benchmarks use.

Runs one figure per process (so that peak RSS belongs to that figure alone) and prints one line
"RESULT key=value ..." that bench/vs-peft.sh parses; everything else it prints is for people.

  lora      opt-125m-shaped OPTForCausalLM (OPTConfig's defaults are opt-125m; random weights from
            transformers' own init, seed 42), fp32, training mode (OPT's dropout 0.1), batch 4 x 128
            random token ids, labels = input ids; get_peft_model with LoraConfig(r=16, lora_alpha=32,
            target_modules=["q_proj", "v_proj"], lora_dropout=0.0, task_type="CAUSAL_LM");
            torch.optim.AdamW(lr=1e-4, weight_decay=0) over the trainable parameters; a step is
            forward with labels, backward, optimizer step, zero_grad (as transformers' Trainer).
            Prints the median step time, tokens/s and peak RSS (ru_maxrss).
  full      the same without PEFT: every parameter trains.
  generate  the same model, evaluation mode, no adapter: model.generate(greedy, KV cache, 8-token
            prompt, exactly 32 new tokens) at batch 1 and batch 8; median seconds of each.
  load      OPTForCausalLM.from_pretrained(DIR) of a safetensors checkpoint (bench/vs-peft.sh has
            peft4j write an opt-350m-shaped one), fp32; median seconds, alone (the file is memory-mapped, weights
            are read on first use) and followed by a read of every page of the weights.

Every mode sets torch.set_num_threads(--threads) first (bench/vs-peft.sh runs 1 and 2).

Usage: $PEFT_BENCH_PYTHON bench/peft_bench.py MODE [--threads N] [--warmup W] [--timed T] [--dir DIR]
(with PYTHONPATH=$PEFT_BENCH_PYTHONPATH where PEFT comes from sources). See bench/README.md.
"""
import argparse
import resource
import statistics
import time

import torch

BATCH, SEQ, SEED = 4, 128, 42
PROMPT, NEW_TOKENS = 8, 32


def peak_rss_kb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux


def opt125m():
    from transformers import OPTConfig, OPTForCausalLM

    torch.manual_seed(SEED)
    return OPTForCausalLM(OPTConfig())


def train(mode, warmup, timed):
    model = opt125m()
    if mode == "lora":
        from peft import LoraConfig, get_peft_model

        model = get_peft_model(
            model,
            LoraConfig(r=16, lora_alpha=32, target_modules=["q_proj", "v_proj"], lora_dropout=0.0,
                       task_type="CAUSAL_LM"))
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.0)
    g = torch.Generator().manual_seed(SEED)
    vocab = 50272
    times, losses = [], []
    for i in range(warmup + timed):
        ids = torch.randint(3, vocab, (BATCH, SEQ), generator=g)
        mask = torch.ones(BATCH, SEQ, dtype=torch.long)
        t0 = time.perf_counter()
        loss = model(input_ids=ids, attention_mask=mask, labels=ids).loss
        loss.backward()
        opt.step()
        opt.zero_grad()
        t = time.perf_counter() - t0
        losses.append(loss.item())
        if i >= warmup:
            times.append(t)
    med = statistics.median(times)
    trainable = sum(p.numel() for p in params)
    print(f"{mode}: trainable {trainable:,} | median step {med:.3f} s | {BATCH * SEQ / med:.1f} tokens/s | "
          f"peak RSS {peak_rss_kb() / 1e6 * 1.024:.2f} GB | loss {losses[0]:.4f} -> {losses[-1]:.4f}")
    print(f"RESULT mode={mode} step_s={med:.5f} tokens_per_s={BATCH * SEQ / med:.2f} rss_kb={peak_rss_kb()}")


def generate(warmup, timed):
    model = opt125m().eval()
    g = torch.Generator().manual_seed(SEED)
    out = {}
    for batch in (1, 8):
        ids = torch.randint(3, 50272, (batch, PROMPT), generator=g)
        mask = torch.ones_like(ids)
        times = []
        for i in range(warmup + timed):
            t0 = time.perf_counter()
            with torch.no_grad():
                seq = model.generate(input_ids=ids, attention_mask=mask, do_sample=False, use_cache=True,
                                     max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS, pad_token_id=1)
            t = time.perf_counter() - t0
            assert seq.shape == (batch, PROMPT + NEW_TOKENS), seq.shape
            if i >= warmup:
                times.append(t)
        out[batch] = statistics.median(times)
        print(f"generate batch {batch}: {PROMPT}-token prompt, {NEW_TOKENS} new tokens, greedy, KV cache: "
              f"median {out[batch]:.3f} s ({batch * NEW_TOKENS / out[batch]:.1f} tokens/s)")
    print(f"RESULT mode=generate gen_b1_s={out[1]:.5f} gen_b8_s={out[8]:.5f} rss_kb={peak_rss_kb()}")


def load(directory, warmup, timed):
    from transformers import OPTForCausalLM

    times, touched = [], []
    for i in range(warmup + timed):
        t0 = time.perf_counter()
        model = OPTForCausalLM.from_pretrained(directory, dtype=torch.float32)
        t = time.perf_counter() - t0
        # safetensors memory-maps the file: weights are read on first use. One float per 4 KiB page of every
        # tensor brings them all in, the work peft4j's fromPretrained does before it returns.
        with torch.no_grad():
            sum(float(p.reshape(-1)[::1024].sum()) for p in model.parameters())
        t2 = time.perf_counter() - t0
        n = sum(p.numel() for p in model.parameters())
        del model
        if i >= warmup:
            times.append(t)
            touched.append(t2)
    med, med2 = statistics.median(times), statistics.median(touched)
    print(f"from_pretrained {directory}: {n:,} parameters, median {med:.3f} s; with every page of the weights read "
          f"{med2:.3f} s")
    print(f"RESULT mode=load load_s={med:.5f} load_touch_s={med2:.5f} rss_kb={peak_rss_kb()}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=["lora", "full", "generate", "load"])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--timed", type=int, default=5)
    ap.add_argument("--dir", help="checkpoint directory for 'load'")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    import peft
    import transformers

    print(f"torch {torch.__version__} ({torch.get_num_threads()} threads), transformers {transformers.__version__}, "
          f"peft {peft.__version__}")
    if a.mode in ("lora", "full"):
        train(a.mode, a.warmup, a.timed)
    elif a.mode == "generate":
        generate(a.warmup, a.timed)
    else:
        load(a.dir, a.warmup, a.timed)


if __name__ == "__main__":
    main()
