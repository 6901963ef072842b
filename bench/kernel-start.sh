#!/usr/bin/env bash
# Kernel start benchmark (not a test): starts the peft4j kernel through jupyter_client and times
# kernel start -> first execute result (`1+1`), with the AppCDS archive that `install` creates and
# without it (`install --no-cds`). Prints the medians; the goal is <= 1.0 s with the archive.
#
#   bench/kernel-start.sh [RUNS]              the kernel jar in kernel/target, installed twice into
#                                             scratch prefixes (with and without the archive)
#   PEFT4J_INSTALLED=1 bench/kernel-start.sh  the peft4j kernelspec Jupyter already finds (e.g. --user)
#
# Needs Debian's Jupyter (/usr/bin/python3 with jupyter_client: apt-get install jupyter-client).
set -euo pipefail
cd "$(dirname "$0")/.."
export PYDEVD_DISABLE_FILE_VALIDATION=1
echo "$(java -version 2>&1 | head -n 1); $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "${PEFT4J_INSTALLED:-0}" = 1 ]; then
  /usr/bin/python3 bench/kernel_start.py "$@"
  exit
fi
jar=kernel/target/peft4j-kernel.jar
[ -f "$jar" ] || mvn -B -q -ntp -pl kernel -am package -DskipTests
work="$(mktemp -d "${TMPDIR:-/tmp}/peft4j-kstart.XXXXXX")"
trap 'rm -rf "$work"' EXIT
s=$SECONDS
java -jar "$jar" install --prefix "$work/cds" --java "$(command -v java)"
echo "(install with the archive took $((SECONDS - s)) s)"
java -jar "$jar" install --no-cds --prefix "$work/plain" --java "$(command -v java)" >/dev/null
[ -f "$work/cds/share/jupyter/kernels/peft4j/peft4j-kernel.jsa" ] \
  || echo "note: install made no AppCDS archive; both runs are without one"
# Interleaved runs: the same load for both.
/usr/bin/python3 bench/kernel_start.py "${1:-5}" \
  "with-AppCDS=$work/cds/share/jupyter/kernels" "without=$work/plain/share/jupyter/kernels"
