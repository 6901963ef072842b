#!/usr/bin/env python3
"""Medians and ratios for bench/vs-peft.sh: reads its results file (lines "FIGURE SIDE key=value ...") and prints
a Markdown table. Speed ratios are peft4j's speed over PEFT's (above 1: peft4j is faster); RSS ratios are peft4j's
peak over PEFT's (below 1: peft4j uses less). "PEFT" is the better of the two thread settings by median."""
import statistics
import sys
from collections import defaultdict

vals = defaultdict(list)  # (figure, side, key) -> values over rounds
for line in open(sys.argv[1]):
    fig, side, *kvs = line.split()
    for kv in kvs:
        k, _, v = kv.partition("=")
        try:
            vals[fig, side, k].append(float(v))
        except ValueError:
            pass


def med(fig, side, key):
    xs = vals.get((fig, side, key))
    return statistics.median(xs) if xs else None


def best(fig, prefix, key, higher):
    found = [(med(fig, f"{prefix}-t{t}", key), t) for t in (1, 2)]
    found = [(v, t) for v, t in found if v is not None]
    if not found:
        return None, None
    return (max if higher else min)(found)


def fmt(v, unit):
    return "—" if v is None else f"{v:.2f}{unit}" if unit != " tok/s" else f"{v:.1f}{unit}"


rows = []
ceiling = med("gemm", "peft4j", "gflops")
for fig, label in (("lora", "LoRA training"), ("full", "full fine-tuning")):
    p = med(fig, "peft4j", "tokens_per_s")
    if p is None and best(fig, "peft", "tokens_per_s", True)[0] is None:
        continue
    b, bt = best(fig, "peft", "tokens_per_s", True)
    tl, tt = best(fig, "torch", "tokens_per_s", True)
    share = med(fig, "peft4j", "gflops")
    note = f"{100 * share / ceiling:.0f}% of the GEMM ceiling" if share and ceiling else ""
    threads = med(fig, "peft4j", "threads")
    note += f"; peft4j {threads:.0f} thread(s)" if threads else ""
    for extra in sorted({s for f, s, k in vals if f == fig and s.startswith("peft4j-t")}):
        v = med(fig, extra, "tokens_per_s")
        note += f"; {extra} {v:.1f} tok/s" if v else ""
    rows.append((f"{label}, tokens/s", fmt(p, " tok/s"), fmt(b, " tok/s"), bt,
                 fmt(med(fig, "peft-t1", "tokens_per_s"), " tok/s"), fmt(med(fig, "peft-t2", "tokens_per_s"), " tok/s"),
                 fmt(tl, " tok/s") + (f" (t{tt})" if tt else ""),
                 f"{p / b:.2f}×" if p and b else "—", note))
    pr = med(fig, "peft4j", "vmhwm_kb")
    br = med(fig, f"peft-t{bt}", "rss_kb") if bt else None
    rows.append((f"{label}, peak RSS", fmt(pr and pr * 1.024e-6, " GB"), fmt(br and br * 1.024e-6, " GB"), bt,
                 "", "", "", f"{pr / br:.2f}× (RSS)" if pr and br else "—", ""))
for key, label in (("gen_b1_s", "greedy generate, batch 1, s"), ("gen_b8_s", "greedy generate, batch 8, s")):
    p = med("generate", "peft4j", key)
    b, bt = best("generate", "peft", key, False)
    if p is None and b is None:
        continue
    rows.append((label, fmt(p, " s"), fmt(b, " s"), bt, fmt(med("generate", "peft-t1", key), " s"),
                 fmt(med("generate", "peft-t2", key), " s"), "", f"{b / p:.2f}×" if p and b else "—",
                 "8-token prompt, 32 new tokens, KV cache"))
p = med("load", "peft4j", "load_s")
b, bt = best("load", "peft", "load_s", False)
if p is not None or b is not None:
    r = med("load", "read", "read_s")
    rows.append(("load opt-350m-shaped safetensors, s", fmt(p, " s"), fmt(b, " s"), bt,
                 fmt(med("load", "peft-t1", "load_s"), " s"), fmt(med("load", "peft-t2", "load_s"), " s"), "",
                 f"{b / p:.2f}×" if p and b else "—",
                 "PEFT memory-maps: weights are read on first use" + (
                     f"; sequential read {r:.2f} s; peft4j {p / r:.1f}× it" if r and p else "")))
    bt2 = med("load", f"peft-t{bt}", "load_touch_s") if bt else None
    if bt2:
        rows.append(("load, then every page of the weights read, s", fmt(p, " s"), fmt(bt2, " s"), bt, "", "", "",
                     f"{bt2 / p:.2f}×" if p else "—", "peft4j's fromPretrained has read everything when it returns"))
print("| figure | peft4j | PEFT (best) | threads | PEFT 1 thread | PEFT 2 threads | torch loop | peft4j/PEFT | note |")
print("|---|---|---|---|---|---|---|---|---|")
for r in rows:
    print("| " + " | ".join("" if c is None else str(c) for c in r) + " |")
if ceiling:
    print(f"\nGEMM ceiling (2048³ fp32 matmul through peft4j's libtorch): {ceiling:.1f} GFLOP/s")
print("peft4j/PEFT: speed ratio (above 1: peft4j faster), RSS ratio for the peak RSS rows (below 1: peft4j smaller)")
n = {k[0]: len(v) for k, v in vals.items()}
print("rounds per figure: " + ", ".join(f"{k} {v}" for k, v in n.items()))
