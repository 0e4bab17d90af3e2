#!/usr/bin/env bash
# Runs one peer measurement when the machine is quiet and appends its JSON line to a results file.
#   tools/bench/peers/measure.sh <torch|torch-openblas|jaxjs|tfjs> <tiny|small> <threads> <warmup> <steps> [results.jsonl]
# torch-openblas: PyTorch with OpenBLAS put in front of Debian's reference libblas.so.3 through
# LD_LIBRARY_PATH, from a .deb unpacked (not installed) into .tmp/openblas (see README.md).
# Before starting it waits (up to MAX_WAIT_S, default 900) until the CPUs were at least
# MIN_IDLE_PCT (default 90) idle over 3 seconds. Afterwards it logs how much CPU other processes
# took while it ran ("others"), in cores: above ~0.1 the run was disturbed.
set -euo pipefail
cd "$(dirname "$0")/../../.."
lib=$1 preset=$2 threads=$3 warmup=$4 steps=$5 out=${6:-.tmp/bench/results.jsonl}
mkdir -p "$(dirname "$out")" .tmp/bench/logs

cpu_ticks() { local s; read -r -a s < /proc/stat; echo $(( s[1]+s[2]+s[3]+s[6]+s[7]+s[8] )) $(( s[4]+s[5] )); }
idle_pct() {
  local b0 i0 b1 i1
  read -r b0 i0 < <(cpu_ticks); sleep 3; read -r b1 i1 < <(cpu_ticks)
  echo $(( 100 * (i1 - i0) / (b1 - b0 + i1 - i0) ))
}

waited=0 idle=$(idle_pct)
while (( idle < ${MIN_IDLE_PCT:-90} && waited < ${MAX_WAIT_S:-900} )); do
  sleep 10; waited=$((waited + 13)); idle=$(idle_pct)
done

fx=.tmp/bench/$preset
case $lib in
  torch) cmd=(/usr/bin/python3 tools/bench/peers/torch_gpt.py) ;;
  torch-openblas) cmd=(env LD_LIBRARY_PATH="$PWD/.tmp/openblas/root/usr/lib/x86_64-linux-gnu/openblas-pthread" /usr/bin/python3 tools/bench/peers/torch_gpt.py) ;;
  jaxjs) cmd=(npx --no-install tsx tools/bench/peers/jaxjs-gpt.ts) ;;
  tfjs) cmd=(npx --no-install tsx tools/bench/peers/tfjs-gpt.ts) ;;
  *) echo "unknown library $lib" >&2; exit 2 ;;
esac
log=.tmp/bench/logs/$lib-$preset-t$threads-$(date +%H%M%S).log
echo "$(date +%T) $lib $preset threads=$threads: started at ${idle}% idle (waited ${waited}s), log $log" >&2
read -r b0 _ < <(cpu_ticks)
/usr/bin/time -f '%e %U %S' -o "$log.time" "${cmd[@]}" --fixtures "$fx" --threads "$threads" --warmup "$warmup" --steps "$steps" 2> "$log" | tee -a "$out"
read -r b1 _ < <(cpu_ticks)
read -r wall user sys < "$log.time"
hz=$(getconf CLK_TCK)
echo "$(date +%T) $lib $preset threads=$threads: done in ${wall}s, own CPU $(echo "($user+$sys)/$wall" | bc -l | cut -c1-4) cores, others $(echo "(($b1-$b0)/$hz-$user-$sys)/$wall" | bc -l | cut -c1-5) cores" >&2
