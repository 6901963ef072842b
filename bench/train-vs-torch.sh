#!/usr/bin/env bash
# Runs TrainBenchmark (peft4j) and bench/torch_lora_step.py (PyTorch eager, Debian's python3-torch)
# on the same shapes and prints the LoRA tokens/s ratio peft4j / PyTorch.
# Usage: bench/train-vs-torch.sh [warmup] [timed]     (from the repository root; default 3 10)
set -euo pipefail
cd "$(dirname "$0")/.."
WARMUP="${1:-3}"
TIMED="${2:-10}"
PY=/usr/bin/python3
# Debian's torch calls whatever libblas.so.3 the alternatives system selects. With only the reference
# BLAS (libblas3) its GEMMs run about 10x slower and the comparison means nothing, so OpenBLAS comes
# with it.
need=()
"$PY" -c 'import torch' 2>/dev/null || need+=(python3-torch)
dpkg-query -W -f='${Status}' libopenblas0-pthread 2>/dev/null | grep -q 'install ok installed' \
  || need+=(libopenblas0-pthread)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]} (Debian)..."
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  $SUDO apt-get install -y --no-install-recommends "${need[@]}"
fi
echo "== BLAS behind PyTorch"
for alt in /etc/alternatives/libblas.so.3-*; do
  [ -e "$alt" ] && echo "libblas.so.3 alternative: $(readlink -f "$alt")"
done
# What the dynamic linker actually mapped into a process that imported torch and ran a GEMM.
BLAS=$("$PY" - <<'EOF'
import os, re, torch
torch.ones(64, 64) @ torch.ones(64, 64)
libs = set()
with open("/proc/self/maps") as maps:
    for line in maps:
        fields = line.split()
        if len(fields) >= 6 and re.search(r"blas|lapack|mkl", os.path.basename(fields[-1]), re.I):
            libs.add(os.path.realpath(fields[-1]))
print("torch %s, %d threads; loaded: %s" % (torch.__version__, torch.get_num_threads(),
                                            " ".join(sorted(libs)) or "no BLAS library"))
for line in torch.__config__.show().splitlines():
    if re.search(r"BLAS|LAPACK|MKL", line):
        print("  torch config: " + line.strip())
EOF
)
echo "$BLAS"
if ! grep -qiE 'openblas|mkl' <<<"$BLAS"; then
  echo "WARNING: PyTorch is not using OpenBLAS or MKL; its timings below are not a fair baseline" >&2
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
