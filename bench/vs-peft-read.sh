#!/usr/bin/env bash
# A plain sequential read of FILE (64 MiB blocks, to /dev/null) in seconds: the floor for any loader of it.
set -euo pipefail
t0=$(date +%s.%N)
dd if="$1" of=/dev/null bs=64M status=none
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "RESULT mode=read read_s=%.5f\n", b - a }'
