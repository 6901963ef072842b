"""Drives the installed peft4j kernel through jupyter_client and nbclient.

usage: drive_kernel.py IN.ipynb OUT.ipynb
Runs IN through nbclient (kernel "peft4j"), writes OUT, then checks completion, interrupt (also of
a cell that swallows the stop), System.exit in a cell and a magic on a fresh kernel. Prints one
JSON line with the findings.
"""
import json
import sys
import time

import nbformat
from jupyter_client.manager import start_new_kernel
from nbclient import NotebookClient

nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, kernel_name="peft4j", timeout=120, startup_timeout=120).execute()
nbformat.write(nb, sys.argv[2])

report = {}
km, kc = start_new_kernel(kernel_name="peft4j", startup_timeout=120)
try:
    info = kc.kernel_info(reply=True, timeout=60)["content"]
    report["language"] = info["language_info"]["name"]

    comp = kc.complete("new Line", 8, reply=True, timeout=60)["content"]
    report["completion"] = comp["matches"]

    kc.execute_interactive("int kept = 41; long spins = 0;", timeout=60)
    msg_id = kc.execute("while (true) { spins++; }")
    time.sleep(2)
    km.interrupt_kernel()
    deadline = time.time() + 60
    while True:
        reply = kc.get_shell_msg(timeout=60)
        if reply["parent_header"].get("msg_id") == msg_id:
            break
        if time.time() > deadline:
            raise TimeoutError("no reply to the interrupted execute")
    report["interrupted_status"] = reply["content"]["status"]

    results = []

    def hook(msg):
        if msg["msg_type"] == "execute_result":
            results.append(msg["content"]["data"]["text/plain"])

    kc.execute_interactive("kept + 1", timeout=60, output_hook=hook)
    report["after_interrupt"] = list(results)

    # a cell that swallows the stop: the kernel abandons it and stays usable
    msg_id = kc.execute("while (true) { try { spins++; Thread.sleep(5); } catch (Throwable t) { } }")
    time.sleep(2)
    km.interrupt_kernel()
    while True:
        reply = kc.get_shell_msg(timeout=60)
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    report["swallowing_status"] = reply["content"]["status"]
    report["swallowing_evalue"] = reply["content"].get("evalue", "")

    # System.exit in a cell: an error, and the kernel lives on
    reply = kc.execute_interactive("System.exit(0);", timeout=60)
    report["exit_status"] = reply["content"]["status"]
    report["exit_ename"] = reply["content"].get("ename", "")

    # magics go through the same engine as in the headless runner
    streams = []

    def stream_hook(msg):
        if msg["msg_type"] == "stream":
            streams.append(msg["content"]["text"])
        hook(msg)

    results.clear()
    kc.execute_interactive("%time kept * 2", timeout=60, output_hook=stream_hook)
    report["after_exit"] = results
    report["time_output"] = "".join(streams)
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)

print(json.dumps(report))
