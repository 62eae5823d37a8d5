#!/usr/bin/env bash
# Runs one fuzz target under AFL++ (SharpFuzz persistent mode) and prints its figures; see docs/fuzzing.md.
#   eng/fuzz/run.sh TARGET [--seconds N | --execs N] [--out DIR] [--no-build]
#   eng/fuzz/run.sh --selftest   proves the harness reports an exception as a crash (exit 0 iff AFL saved one)
# Targets: vrrp frames netlink cmsg config keepalived (eng/fuzz/VirtualIp.Fuzz/FuzzTargets.cs).
# It builds eng/fuzz/VirtualIp.Fuzz, copies the output to artifacts/fuzz/bin and instruments that copy with the
# sharpfuzz tool (.config/dotnet-tools.json), then runs afl-fuzz on eng/fuzz/corpus/TARGET (the corpus in the
# repository is only read). Exit 0 iff the run ended with 0 crashes and 0 hangs; crashing inputs stay in
# OUT/default/crashes (replay one on the uninstrumented build, which runs without AFL:
#   dotnet eng/fuzz/VirtualIp.Fuzz/bin/Release/net10.0/VirtualIp.Fuzz.dll TARGET FILE).
# Needs afl-fuzz (Debian afl++) and the dotnet tool. Default: 60 s. FUZZ_TIMEOUT_MS sets afl-fuzz -t (default 2000);
# VIRTUALIP_FUZZ_BIN the instrumented copy (default artifacts/fuzz/bin).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
target=${1:?usage: eng/fuzz/run.sh TARGET [--seconds N | --execs N] [--out DIR] [--no-build] | --selftest}
shift
limit=(-V 60); out=""; build=true; selftest=false
if [ "$target" = --selftest ]; then
  # A target whose only seed is "crash": any longer mutation of it throws (VIRTUALIP_FUZZ_SELFTEST=1 in Program.cs).
  selftest=true; target=cmsg; limit=(-V 30); out=$root/artifacts/fuzz/selftest
fi
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) limit=(-V "$2"); shift 2 ;;
    --execs) limit=(-E "$2"); shift 2 ;;
    --out) out=$2; shift 2 ;;
    --no-build) build=false; shift ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
corpus=$root/eng/fuzz/corpus/$target
if $selftest; then
  corpus=$root/artifacts/fuzz/selftest-corpus; rm -rf "$corpus"; mkdir -p "$corpus"; printf crash > "$corpus/crash"
  export VIRTUALIP_FUZZ_SELFTEST=1 AFL_BENCH_UNTIL_CRASH=1 AFL_DISABLE_TRIM=1
fi
[ -d "$corpus" ] || { echo "run.sh: no corpus $corpus (targets: $(ls eng/fuzz/corpus | grep -v README | xargs))" >&2; exit 2; }
command -v afl-fuzz >/dev/null || { echo "run.sh: afl-fuzz not found (apt-get install afl++)" >&2; exit 2; }
bin=${VIRTUALIP_FUZZ_BIN:-$root/artifacts/fuzz/bin}
out=${out:-$root/artifacts/fuzz/$target}

# Build and instrument once per tree (a lock lets two targets start together).
if $build; then
  mkdir -p "$root/artifacts"
  exec 9>"$root/artifacts/fuzz.lock"
  flock 9
  dotnet tool restore >/dev/null
  dotnet build eng/fuzz/VirtualIp.Fuzz/VirtualIp.Fuzz.csproj -c Release -nologo -v q -clp:ErrorsOnly
  src=eng/fuzz/VirtualIp.Fuzz/bin/Release/net10.0
  if [ ! -f "$bin/.instrumented" ] || [ -n "$(find "$src" -name 'VirtualIp*.dll' -newer "$bin/.instrumented")" ]; then
    rm -rf "$bin"; mkdir -p "$bin"; cp -r "$src"/. "$bin"/
    # The assemblies under test; the harness itself, SharpFuzz and the framework stay uninstrumented.
    for dll in VirtualIp.Abstractions VirtualIp VirtualIp.Linux VirtualIp.Keepalived; do
      dotnet tool run sharpfuzz "$bin/$dll.dll" >/dev/null
    done
    touch "$bin/.instrumented"
  fi
  flock -u 9
fi

dict=()
[ -f "$root/eng/fuzz/dict/$target.dict" ] && dict=(-x "$root/eng/fuzz/dict/$target.dict")
rm -rf "$out"; mkdir -p "$out"
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1
export AFL_FORKSRV_INIT_TMOUT=60000 DOTNET_CLI_TELEMETRY_OPTOUT=1
set +e
afl-fuzz -i "$corpus" -o "$out" -t "${FUZZ_TIMEOUT_MS:-2000}" -m none "${limit[@]}" "${dict[@]}" \
  -- dotnet "$bin/VirtualIp.Fuzz.dll" "$target" > "$out/afl.log" 2>&1
rc=$?
set -e
stats=$out/default/fuzzer_stats
if [ ! -f "$stats" ]; then
  echo "run.sh: $target: afl-fuzz did not start (exit $rc); the end of $out/afl.log:" >&2
  tail -25 "$out/afl.log" >&2
  exit 1
fi
get() { awk -F' *: *' -v k="$1" '$1 == k {print $2}' "$stats"; }
crashes=$(get saved_crashes); hangs=$(get saved_hangs)
echo "fuzz $target: $(get execs_done) execs in $(( $(get last_update) - $(get start_time) )) s ($(get execs_per_sec) execs/s)," \
  "edges $(get edges_found) of $(get total_edges) (map $(get bitmap_cvg)), corpus $(get corpus_count)," \
  "crashes ${crashes:-?}, hangs ${hangs:-?}"
if $selftest; then
  [ "${crashes:-0}" -gt 0 ] && echo "fuzz self-test: the thrown exception was saved as a crash" && exit 0
  echo "fuzz self-test FAILED: no crash saved" >&2; exit 1
fi
[ "${crashes:-1}" = 0 ] && [ "${hangs:-1}" = 0 ]
