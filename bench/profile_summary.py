#!/usr/bin/env python3
"""Sums a libtorch profiler trace (Chrome JSON, as TrainBenchmark's profile-lora / profile-full modes write it) by op:
self time (an op's time less that of the ops it called) per op name and per group (GEMM, attention softmax, layer
norm, copies and layout, element-wise, optimizer, other), and the number of top-level ops (each one a JNI crossing
from Java, or autograd's own call in backward). Usage: python3 bench/profile_summary.py TRACE.json [top]"""
import json
import sys
from collections import defaultdict

trace = json.load(open(sys.argv[1]))
events = trace["traceEvents"] if isinstance(trace, dict) else trace
ops = [e for e in events if e.get("ph") == "X" and "dur" in e and e.get("cat", "cpu_op") in ("cpu_op", "operator", "")]
by_tid = defaultdict(list)
for e in ops:
    by_tid[e.get("tid")].append(e)
self_us = defaultdict(float)
calls = defaultdict(int)
top_level = 0
wall = 0.0
for evs in by_tid.values():
    evs.sort(key=lambda e: (e["ts"], -e["dur"]))
    stack = []
    for e in evs:
        while stack and stack[-1]["ts"] + stack[-1]["dur"] <= e["ts"]:
            stack.pop()
        if stack:
            self_us[stack[-1]["name"]] -= e["dur"]
        else:
            top_level += 1
            wall += e["dur"]
        self_us[e["name"]] += e["dur"]
        calls[e["name"]] += 1
        stack.append(e)


def group(name):
    n = name.lower()
    if any(k in n for k in ("addmm", "::mm", "bmm", "matmul", "linear", "mkldnn", "baddbmm")):
        return "GEMM"
    if "softmax" in n:
        return "softmax"
    if "layer_norm" in n:
        return "layer norm"
    if any(k in n for k in ("copy", "contiguous", "clone", "cat", "transpose", "permute", "view", "reshape",
                            "expand", "as_strided", "empty", "zeros", "fill", "to", "slice", "select", "index")):
        return "copies, layout, allocation"
    if any(k in n for k in ("adam", "lerp", "addcdiv", "addcmul", "sqrt", "foreach")):
        return "optimizer"
    if any(k in n for k in ("add", "mul", "sub", "div", "relu", "threshold", "dropout", "bernoulli", "maximum",
                            "clamp", "where", "masked", "sum", "neg", "exp", "log", "nll", "cross_entropy")):
        return "element-wise, dropout, loss"
    return "other"


total = sum(v for v in self_us.values())
groups = defaultdict(float)
for name, us in self_us.items():
    groups[group(name)] += us
print(f"profiled ops: {total / 1e6:.3f} s self time in all, {top_level} top-level ops ({wall / 1e6:.3f} s)")
for g, us in sorted(groups.items(), key=lambda kv: -kv[1]):
    print(f"  {g:28s} {us / 1e6:7.3f} s  {100 * us / total:5.1f}%")
top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
print(f"top {top} ops by self time:")
for name, us in sorted(self_us.items(), key=lambda kv: -kv[1])[:top]:
    print(f"  {name:45s} {us / 1e6:7.3f} s  {calls[name]:6d} calls  {100 * us / total:5.1f}%")
