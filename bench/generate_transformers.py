#!/usr/bin/env python3
"""transformers' counterpart of GenerateBenchmark: greedy generate with the KV cache on an
opt-125m-shaped OPTForCausalLM (fp32, random weights), an 8-token prompt, 32 new tokens (EOS
disabled), batch 1 and 8, batch sizes alternating run by run. Runs with 1 and with 2 intra-op
threads and prints, for each, the median time and tokens/s (new tokens x batch / time), then
"RESULT batch=B tokens_per_s=..." for the better thread setting.

Usage (any Python with torch and transformers; here the reference stack):
  /work/refstack457/bin/python bench/generate_transformers.py [runs]
"""
import statistics
import sys
import time

import torch
from transformers import OPTConfig, OPTForCausalLM

PROMPT, NEW, BATCHES = 8, 32, (1, 8)


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    torch.manual_seed(42)
    config = OPTConfig(  # facebook/opt-125m
        vocab_size=50272, hidden_size=768, num_hidden_layers=12, ffn_dim=3072, num_attention_heads=12,
        max_position_embeddings=2048, word_embed_proj_dim=768, do_layer_norm_before=True,
        pad_token_id=1, bos_token_id=2, eos_token_id=2)
    model = OPTForCausalLM(config).eval()
    model.generation_config.eos_token_id = None
    model.generation_config.pad_token_id = 1
    g = torch.Generator().manual_seed(7)
    prompts = {b: torch.randint(3, 50003, (b, PROMPT), generator=g) for b in BATCHES}
    best = {}
    for threads in (1, 2):
        torch.set_num_threads(threads)
        times = {b: [] for b in BATCHES}
        with torch.no_grad():
            for b in BATCHES:  # warm-up
                model.generate(prompts[b], attention_mask=torch.ones_like(prompts[b]), max_new_tokens=NEW,
                               do_sample=False)
            for _ in range(runs):
                for b in BATCHES:
                    t0 = time.perf_counter()
                    out = model.generate(prompts[b], attention_mask=torch.ones_like(prompts[b]),
                                         max_new_tokens=NEW, do_sample=False)
                    times[b].append(time.perf_counter() - t0)
                    assert out.shape[1] == PROMPT + NEW, out.shape
        for b in BATCHES:
            med = statistics.median(times[b])
            tps = b * NEW / med
            print(f"transformers greedy generate, {threads} thread(s), batch {b}: median {med:.3f} s "
                  f"(min {min(times[b]):.3f}, max {max(times[b]):.3f}, {runs} runs), {tps:.1f} tokens/s")
            best[b] = max(best.get(b, 0), tps)
    for b in BATCHES:
        print(f"RESULT batch={b} tokens_per_s={best[b]:.1f}")


if __name__ == "__main__":
    main()
