#!/usr/bin/env bash
# Kernel start benchmark (not a test): starts the peft4j kernel through jupyter_client and times
# kernel start -> first execute result (`1+1`). Prints the figure; the goal is <= 1.5 s.
#
#   bench/kernel-start.sh [RUNS]              the kernel jar in kernel/target, installed into a scratch prefix
#   PEFT4J_INSTALLED=1 bench/kernel-start.sh  the peft4j kernelspec Jupyter already finds (e.g. --user)
#
# Needs Debian's Jupyter (/usr/bin/python3 with jupyter_client: apt-get install jupyter-client).
set -euo pipefail
cd "$(dirname "$0")/.."
export PYDEVD_DISABLE_FILE_VALIDATION=1
if [ "${PEFT4J_INSTALLED:-0}" != 1 ]; then
  jar=kernel/target/peft4j-kernel.jar
  [ -f "$jar" ] || mvn -B -q -ntp -pl kernel -am package -DskipTests
  work="$(mktemp -d "${TMPDIR:-/tmp}/peft4j-kstart.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  java -jar "$jar" install --prefix "$work" --java "$(command -v java)" >/dev/null
  export JUPYTER_PATH="$work/share/jupyter"
fi
echo "$(java -version 2>&1 | head -n 1); $(nproc) CPUs"
/usr/bin/python3 bench/kernel_start.py "$@"
