#!/usr/bin/python3
"""Times the peft4j kernel through jupyter_client: start -> kernel ready -> result of `1+1`.

usage: kernel_start.py [RUNS]   (kernel name from $PEFT4J_KERNEL_NAME, default peft4j)
Prints figures only; never fails on a slow start.
"""
import os
import queue
import statistics
import sys
import time

from jupyter_client.manager import KernelManager

NAME = os.environ.get("PEFT4J_KERNEL_NAME", "peft4j")


def one_run():
    km = KernelManager(kernel_name=NAME)
    t0 = time.perf_counter()
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        t_ready = time.perf_counter()
        msg_id = kc.execute("1+1")
        result = None
        while result is None:
            msg = kc.get_iopub_msg(timeout=120)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["msg_type"]
            if kind == "execute_result":
                result = msg["content"]["data"].get("text/plain")
            elif kind == "error":
                raise RuntimeError("1+1 failed: %s" % msg["content"])
        t_result = time.perf_counter()
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    if result != "2":
        raise RuntimeError("1+1 gave %r" % result)
    return t_ready - t0, t_result - t0


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    firsts = []
    for i in range(runs):
        try:
            ready, first = one_run()
        except (RuntimeError, queue.Empty) as e:
            print("run %d: failed: %s" % (i + 1, e))
            return 1
        firsts.append(first)
        print("run %d: kernel ready %.2f s, first result (1+1 = 2) %.2f s" % (i + 1, ready, first))
    label = os.environ.get("PEFT4J_BENCH_LABEL")
    print("kernel start -> first execute result%s: median %.2f s, best %.2f s over %d runs (goal <= 1.0 s)"
          % (" " + label if label else "", statistics.median(firsts), min(firsts), runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
