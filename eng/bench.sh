#!/usr/bin/env bash
# Runs the BenchmarkDotNet suites (short job, in-process: the 2-core machine times out BenchmarkDotNet's
# out-of-process build) and collects the markdown tables under artifacts/bench/.
#   eng/bench.sh                 all suites
#   eng/bench.sh '*Frame*'       one filter
set -euo pipefail
cd "$(dirname "$0")/.."
filters=("$@")
[ ${#filters[@]} -gt 0 ] || filters=('*Frame*' '*VrrpCodec*' '*VrrpEngine*' '*Scheduler*' '*Netlink*' '*HealthCheck*' '*ForwarderAcl*')
dotnet build benchmarks/VirtualIp.Benchmarks -c Release -nologo -v q -clp:ErrorsOnly
mkdir -p artifacts/bench
for f in "${filters[@]}"; do
  dotnet run -c Release --no-build --project benchmarks/VirtualIp.Benchmarks -- --filter "$f" --job short --inProcess \
    --artifacts artifacts/bench/bdn >/dev/null 2>&1 || echo "bench.sh: $f failed"
done
cat artifacts/bench/bdn/results/*-report-github.md > artifacts/bench/all.md 2>/dev/null || true
echo "tables: artifacts/bench/all.md"
