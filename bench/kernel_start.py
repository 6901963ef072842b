#!/usr/bin/python3
"""Times the peft4j kernel through jupyter_client: start -> kernel ready -> result of `1+1`.

usage: kernel_start.py [RUNS [LABEL=KERNELS_DIR ...]]   (kernel name from $PEFT4J_KERNEL_NAME,
default peft4j). With LABEL=KERNELS_DIR pairs, each run starts the kernelspec from each folder in
turn (interleaved, so a machine whose load changes affects all alike) and the medians are per label.
Prints figures only; never fails on a slow start.
"""
import os
import queue
import statistics
import sys
import time

from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager

NAME = os.environ.get("PEFT4J_KERNEL_NAME", "peft4j")


def one_run(kernels_dir=None):
    if kernels_dir is None:
        km = KernelManager(kernel_name=NAME)
    else:
        km = KernelManager(kernel_name=NAME,
                           kernel_spec_manager=KernelSpecManager(kernel_dirs=[kernels_dir]))
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
        cpu = cpu_seconds(km)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    if result != "2":
        raise RuntimeError("1+1 gave %r" % result)
    return t_ready - t0, t_result - t0, cpu


def cpu_seconds(km):
    """CPU time (user + system) the kernel process has used so far; None where /proc is missing.

    Unlike the wall-clock figures it hardly depends on what else the machine is running."""
    try:
        pid = km.provisioner.process.pid
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (AttributeError, OSError, ValueError, IndexError):
        return None

def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    kinds = [a.split("=", 1) for a in sys.argv[2:]] or [[None, None]]
    firsts = {label: [] for label, _ in kinds}
    cpus = {label: [] for label, _ in kinds}
    for i in range(runs):
        for label, kernels_dir in kinds:
            name = " " + label if label else ""
            try:
                ready, first, cpu = one_run(kernels_dir)
            except (RuntimeError, queue.Empty) as e:
                print("run %d%s: failed: %s" % (i + 1, name, e))
                return 1
            firsts[label].append(first)
            if cpu is not None:
                cpus[label].append(cpu)
            print("run %d%s: kernel ready %.2f s, first result (1+1 = 2) %.2f s%s"
                  % (i + 1, name, ready, first,
                     "" if cpu is None else ", kernel CPU time %.2f s" % cpu))
    for label, _ in kinds:
        f = firsts[label]
        print("kernel start -> first execute result%s: median %.2f s, best %.2f s over %d runs"
              " (goal <= 1.0 s)%s" % (" " + label if label else "", statistics.median(f), min(f), runs,
                                    "; kernel CPU time median %.2f s" % statistics.median(cpus[label])
                                    if cpus[label] else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
