#!/usr/bin/env bash
# Runs TrainBenchmark (peft4j) and bench/torch_lora_step.py (PyTorch eager, Debian's python3-torch)
# on the same shapes and prints the LoRA tokens/s ratio peft4j / PyTorch.
# Usage: bench/train-vs-torch.sh [warmup] [timed]     (from the repository root; default 3 10)
set -euo pipefail
cd "$(dirname "$0")/.."
WARMUP="${1:-3}"
TIMED="${2:-10}"
PY=/usr/bin/python3
if ! "$PY" -c 'import torch' 2>/dev/null; then
  echo "installing python3-torch (Debian)..."
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  $SUDO apt-get install -y --no-install-recommends python3-torch
fi
echo "== peft4j (TrainBenchmark)"
J=$(mktemp)
mvn -B -q -Pbench verify -pl bench -am -DskipTests \
  -Dbench.main=ai.peft4j.bench.TrainBenchmark -Dbench.args="$WARMUP $TIMED" | tee "$J"
echo "== PyTorch eager (bench/torch_lora_step.py)"
T=$(mktemp)
"$PY" bench/torch_lora_step.py "$WARMUP" "$TIMED" | tee "$T"
P4J=$(sed -n 's/.*RESULT lora_tokens_per_s=\([0-9.]*\).*/\1/p' "$J")
PT=$(sed -n 's/.*RESULT tokens_per_s=\([0-9.]*\).*/\1/p' "$T")
rm -f "$J" "$T"
awk -v a="$P4J" -v b="$PT" 'BEGIN { printf "LoRA training tokens/s: peft4j %.1f, PyTorch eager %.1f, ratio %.2fx (target >= 2x)\n", a, b, a / b }'
