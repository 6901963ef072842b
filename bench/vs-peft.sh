#!/usr/bin/env bash
# peft4j against real transformers + PEFT (and bench/torch_lora_step.py, a hand-written PyTorch loop, as a second
# column), interleaved on the same machine: LoRA and full fine-tuning tokens/s and peak RSS, greedy generate at
# batch 1 and 8, fromPretrained / from_pretrained of an opt-350m-shaped safetensors checkpoint. Each round runs
# every side of a figure once, each in its own process, starting with a different side each round; the table
# gives medians over rounds. The Python sides run with torch.set_num_threads(1) and (2); the better is "PEFT".
#
# Usage (from anywhere):  PEFT_BENCH_PYTHON=/path/to/python [PEFT_BENCH_PYTHONPATH=...] \
#                           bench/vs-peft.sh [rounds] [warmup] [timed] [figures...]
#   defaults: 3 rounds, 2 warm-up + 5 timed steps per process, figures "gemm lora full generate load"
#   PEFT_BENCH_PEFT4J_THREADS="1 2" adds peft4j sides with those fixed intra-op thread counts (training figures).
#   PEFT_BENCH_TORCH_LOOP=0 leaves out the hand-written loop; PEFT_BENCH_DIR keeps the 1.3 GB checkpoint
#   (default: a temporary directory, deleted at the end); PEFT_BENCH_MVN_FLAGS adds Maven flags (-o offline).
#   See bench/README.md for the Python environment.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${1:-3}"
WARMUP="${2:-2}"
TIMED="${3:-5}"
shift $(($# < 3 ? $# : 3))
FIGURES=("$@")
[ ${#FIGURES[@]} -gt 0 ] || FIGURES=(gemm lora full generate load)
PY="${PEFT_BENCH_PYTHON:?set PEFT_BENCH_PYTHON to a Python with torch, transformers and peft (bench/README.md)}"
if [ -n "${PEFT_BENCH_PYTHONPATH:-}" ]; then
  export PYTHONPATH="$PEFT_BENCH_PYTHONPATH${PYTHONPATH:+:$PYTHONPATH}"
fi
TORCH_LOOP="${PEFT_BENCH_TORCH_LOOP:-1}"
WORK=$(mktemp -d)
CKPT="${PEFT_BENCH_DIR:-$WORK/opt-350m}"
trap 'rm -rf "$WORK"' EXIT

"$PY" -c 'import re, torch, transformers, peft
print("Python side: torch", torch.__version__, "| transformers", transformers.__version__, "| peft", peft.__version__,
      "|", " ".join(re.findall(r"(?:BLAS_INFO|USE_OPENMP)=\w+", torch.__config__.show())))'

echo "== building peft4j (bench profile)"
# shellcheck disable=SC2086 # flags are a word list
mvn -B -ntp -q ${PEFT_BENCH_MVN_FLAGS:-} -Pbench package dependency:build-classpath -Dmdep.outputFile="$WORK/cp" -Dmdep.includeScope=runtime \
  -pl bench -am -DskipTests -Dspotless.check.skip=true
JAVA=(java -Dai.djl.offline=true -Xmx6g -cp "bench/target/classes:toolkit/target/classes:$(cat "$WORK/cp")")
echo "machine: $(nproc) CPU(s), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-), load average $(cut -d' ' -f1-3 /proc/loadavg)"

RESULTS="$WORK/results"
: >"$RESULTS"
# run FIGURE SIDE COMMAND...: runs it, echoes its lines indented, records its last "RESULT"/"KV" line's key=values.
run() {
  local fig="$1" side="$2"
  shift 2
  local out
  out=$("$@" 2>&1 | grep -vE 'WARNING|SLF4J|^\s*$' || true)
  sed "s/^/    [$fig $side] /" <<<"$out" | grep -vE 'RESULT|KV ' || true
  local kv
  kv=$(grep -E '^(RESULT|KV) ' <<<"$out" | tail -1 | cut -d' ' -f2-)
  if [ -z "$kv" ]; then
    echo "    [$fig $side] FAILED" >&2
    return 0
  fi
  echo "$fig $side $kv" >>"$RESULTS"
}

sides() { # the commands of every side of figure $1, one per line, as "SIDE<TAB>command"
  case "$1" in
    gemm) printf 'peft4j\t%s\n' "${JAVA[*]} ai.peft4j.bench.TrainBenchmark gemm $WARMUP $TIMED" ;;
    lora | full)
      printf 'peft4j\t%s\n' "${JAVA[*]} ai.peft4j.bench.TrainBenchmark $1 $WARMUP $TIMED"
      for t in ${PEFT_BENCH_PEFT4J_THREADS:-}; do
        printf 'peft4j-t%s\t%s\n' "$t" "${JAVA[*]} -Dpeft4j.num_threads=$t ai.peft4j.bench.TrainBenchmark $1 $WARMUP $TIMED"
      done
      for t in 1 2; do
        printf 'peft-t%s\t%s\n' "$t" "$PY bench/peft_bench.py $1 --threads $t --warmup $WARMUP --timed $TIMED"
        if [ "$TORCH_LOOP" = 1 ]; then
          local full=""
          [ "$1" = full ] && full="--full"
          printf 'torch-t%s\t%s\n' "$t" "$PY bench/torch_lora_step.py $WARMUP $TIMED $full --threads=$t"
        fi
      done
      ;;
    generate)
      printf 'peft4j\t%s\n' "${JAVA[*]} ai.peft4j.bench.VsPeftBenchmark generate $WARMUP $TIMED"
      for t in 1 2; do
        printf 'peft-t%s\t%s\n' "$t" "$PY bench/peft_bench.py generate --threads $t --warmup $WARMUP --timed $TIMED"
      done
      ;;
    load)
      printf 'peft4j\t%s\n' "${JAVA[*]} ai.peft4j.bench.VsPeftBenchmark load $CKPT 1 3"
      for t in 1 2; do
        printf 'peft-t%s\t%s\n' "$t" "$PY bench/peft_bench.py load --dir $CKPT --threads $t --warmup 1 --timed 3"
      done
      printf 'read\t%s\n' "bash bench/vs-peft-read.sh $CKPT/model.safetensors"
      ;;
  esac
}

if printf '%s\n' "${FIGURES[@]}" | grep -qx load; then
  "${JAVA[@]}" ai.peft4j.bench.VsPeftBenchmark write "$CKPT" 2>&1 | grep -v WARN || true
fi
for ((round = 1; round <= ROUNDS; round++)); do
  echo "== round $round of $ROUNDS (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  for fig in "${FIGURES[@]}"; do
    mapfile -t cmds < <(sides "$fig")
    n=${#cmds[@]}
    for ((i = 0; i < n; i++)); do # rotate the start so that no side always runs first
      entry="${cmds[$(((i + round - 1) % n))]}"
      # shellcheck disable=SC2086 # the command is a word list
      run "$fig" "${entry%%$'\t'*}" ${entry#*$'\t'}
    done
  done
done
echo "== medians over $ROUNDS rounds (load average now $(cut -d' ' -f1-3 /proc/loadavg))"
"$PY" bench/vs_peft_summary.py "$RESULTS"
