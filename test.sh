#!/usr/bin/env bash
# VirtualIp's test command. Builds, runs every test project (tests/*/*.csproj) and ends with one line
# "N passed, N failed, N skipped" counted from the .trx of each run, never inferred:
#  - each project's test count is listed first (dotnet test --list-tests); fewer results than that (a crashed,
#    aborted or hung test host) count the missing tests as failed;
#  - every dotnet test exit code is checked: a non-zero exit with no failed test still counts as one failure;
#  - a failed test is run once more on its own; it counts as passed only when the retry's own .trx shows that
#    exact test passed (a skip, an empty filter or a missing result on retry stays a failure), and it is named;
#  - the tools the tests need (tests/tools.txt) are checked up front; with CI=true anything missing is a failure.
# It installs nothing and never stops, disables or kills anything it did not start (.ci/run installs packages).
# Environment: CI=true (CI mode), VIRTUALIP_TEST_PROJECTS="a.csproj b.csproj" (run only these: used by the
# script's self-test, eng/selftest/run.sh), VIRTUALIP_TEST_NO_BUILD=1, VIRTUALIP_TEST_RESULTS=DIR.
set -u
cd "$(dirname "$0")"
root=$(pwd)
ci=false; [ "${CI:-}" = "true" ] && ci=true
results=${VIRTUALIP_TEST_RESULTS:-$root/artifacts/test-results}
rm -rf "$results"; mkdir -p "$results"
passed=0; failed=0; skipped=0
start=$(date +%s)
say() { echo "test.sh: $*"; }

if [ -n "${VIRTUALIP_TEST_PROJECTS:-}" ]; then
  read -r -a projects <<< "$VIRTUALIP_TEST_PROJECTS"; suite=false
else
  projects=(tests/*/*.csproj); suite=true
  # The forwarder's unit tests once more on the .NET-sockets TCP engine (the default on Linux is epoll; Sockets is
  # the engine on every other OS): "project:VARIABLE=value" runs a project with that environment variable set.
  projects+=("tests/VirtualIp.Balancing.Tests/VirtualIp.Balancing.Tests.csproj:VIRTUALIP_FORWARDER_TCP_ENGINE=sockets")
fi

# 1. What the machine must provide (tests/tools.txt). Outside CI a missing tool only means its tests skip.
if $suite; then
  missing=()
  while read -r kind name pkg _; do
    case "$kind" in
      tool) command -v "$name" >/dev/null 2>&1 || [ -x "/usr/sbin/$name" ] || [ -x "/sbin/$name" ] || missing+=("$name ($pkg)") ;;
      lib) ldconfig -p 2>/dev/null | grep -q "$name" || missing+=("$name ($pkg)") ;;
      root) [ "$(id -u)" = 0 ] || missing+=("effective uid 0 (run as root)") ;;
    esac
  done < <(grep -v '^\s*#' tests/tools.txt | grep -v '^\s*$')
  if [ ${#missing[@]} -gt 0 ]; then
    if $ci; then
      say "CI=true and the machine lacks: ${missing[*]} (.ci/run must install them)"
      failed=$((failed + ${#missing[@]}))
    else
      say "missing here (their tests skip, each with the reason): ${missing[*]}"
    fi
  fi
fi

# 2. Build.
if [ -z "${VIRTUALIP_TEST_NO_BUILD:-}" ]; then
  if $suite; then
    dotnet build VirtualIp.sln -c Release -nologo -v q -clp:ErrorsOnly; build_rc=$?
  else
    build_rc=0
    for proj in "${projects[@]}"; do
      dotnet build "${proj%%:*}" -c Release -nologo -v q -clp:ErrorsOnly || build_rc=1
    done
  fi
  if [ $build_rc -ne 0 ]; then
    say "build failed"
    echo "$passed passed, $((failed + 1)) failed, $skipped skipped"
    exit 1
  fi
fi

# 3. The script's own self-test (eng/selftest): proves a crash, a failure, a skip on retry and a vanished test
#    on retry each fail a run. Counted as one test.
if $suite; then
  if bash eng/selftest/run.sh > "$results/selftest.log" 2>&1; then
    say "self-test of test.sh passed ($(grep -c '^selftest: ok' "$results/selftest.log") paths proven)"
    passed=$((passed + 1))
  else
    say "self-test of test.sh FAILED:"; tail -30 "$results/selftest.log"
    failed=$((failed + 1))
  fi
fi

# Prints "OUTCOME<TAB>Class.Method<TAB>test name" for every result in a .trx.
results_of() { awk -f "$root/eng/trx-results.awk" "$1"; }

# 4. Each project, one after another (each runs its own classes in parallel; the machine has 2 cores).
for entry in "${projects[@]}"; do
  proj=${entry%%:*}; envset=()
  [ "$entry" != "$proj" ] && envset=("${entry#*:}")
  name=$(basename "$proj" .csproj)
  [ ${#envset[@]} -gt 0 ] && name="$name.${envset[0]#*=}"
  dir="$results/$name"; mkdir -p "$dir"
  expected=$(env "${envset[@]}" dotnet test "$proj" -c Release --no-build -nologo --list-tests 2>/dev/null \
    | awk '/The following Tests are available:/ {on=1; next} on && /^    / {n++} END {print n+0}')
  coverage=()
  $suite && coverage=(--collect "XPlat Code Coverage")
  env "${envset[@]}" dotnet test "$proj" -c Release --no-build -nologo -v q "${coverage[@]}" \
    --blame-hang-timeout 10m --blame-hang-dump-type none \
    --logger "trx;LogFileName=$name.trx" --results-directory "$dir" \
    --logger "console;verbosity=normal" > "$dir/console.log" 2>&1
  rc=$?
  # Show failures with their message, and skips with their reason.
  awk '/^  (Failed|Skipped) / {show=1; n=0} /^  Stack Trace:/ {show=0} /^  (Passed) / {show=0}
       show && n++ < 12 {print}
       /Test Run Aborted|The active test run was aborted|error [A-Z]+[0-9]+:/ {print}' "$dir/console.log" | head -300

  trx="$dir/$name.trx"
  if [ -f "$trx" ]; then results_of "$trx" > "$dir/results.tsv"; else : > "$dir/results.tsv"; fi
  p=$(grep -c '^Passed' "$dir/results.tsv"); s=$(grep -c '^NotExecuted' "$dir/results.tsv")
  f=$(grep -vc -e '^Passed' -e '^NotExecuted' "$dir/results.tsv")
  n=$((p + s + f))
  say "$name: $n of $expected tests ran: $p passed, $f failed, $s skipped (dotnet test exit $rc)"
  if [ "$n" -lt "$expected" ]; then
    say "$name: $((expected - n)) test(s) never reported a result (test host crashed, aborted or hung): counted as failed"
    f=$((f + expected - n))
  fi
  if [ "$expected" -eq 0 ]; then
    say "$name: --list-tests found no test: counted as one failure"
    f=$((f + 1))
  fi
  if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
    say "$name: dotnet test exited $rc although no test failed: counted as one failure"
    f=1
  fi

  # 5. Retry each failed test once, alone; credit only tests whose retry result is Passed.
  mapfile -t failing < <(grep -v -e '^Passed' -e '^NotExecuted' "$dir/results.tsv" | cut -f2- | sort -u)
  if [ ${#failing[@]} -gt 0 ] && [ ${#failing[@]} -le 20 ]; then
    filter=$(printf '%s\n' "${failing[@]}" | cut -f1 | sort -u | sed 's/^/FullyQualifiedName=/' | paste -sd'|')
    say "$name: re-running ${#failing[@]} failed test(s) once, alone"
    env "${envset[@]}" dotnet test "$proj" -c Release --no-build -nologo -v q --filter "$filter" \
      --blame-hang-timeout 10m --blame-hang-dump-type none \
      --logger "trx;LogFileName=$name.retry.trx" --results-directory "$dir/retry" > "$dir/retry.log" 2>&1
    retry_rc=$?
    retry_tsv="$dir/retry.tsv"
    if [ -f "$dir/retry/$name.retry.trx" ]; then results_of "$dir/retry/$name.retry.trx" > "$retry_tsv"; else : > "$retry_tsv"; fi
    for t in "${failing[@]}"; do
      tname=${t#*$'\t'}
      outcomes=$(awk -F'\t' -v n="$tname" '$3 == n {print $1}' "$retry_tsv" | sort -u | paste -sd,)
      if [ "$outcomes" = "Passed" ]; then
        say "FLAKY (failed, then passed alone on retry): $tname"
        f=$((f - 1)); p=$((p + 1))
      else
        say "still failing on retry (${outcomes:-no result: empty filter or test not found}; exit $retry_rc): $tname"
      fi
    done
  elif [ ${#failing[@]} -gt 20 ]; then
    say "$name: ${#failing[@]} tests failed: not retried (a broken build or environment, not a flake)"
  fi
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
done

# 6. Coverage-guided fuzzing (eng/fuzz, docs/fuzzing.md): each target runs VIRTUALIP_FUZZ_SECONDS (default 60) under
#    AFL++, two at a time; one test per target, passed iff its run ends with 0 crashes and 0 hangs, plus one for the
#    harness's self-test (a thrown exception must be saved as a crash). Without afl-fuzz they count as skipped
#    (CI=true: step 1 already failed the run for the missing tool). About 4 minutes on 2 cores.
if $suite; then
  fuzz_seconds=${VIRTUALIP_FUZZ_SECONDS:-60}
  mapfile -t fuzz_targets < <(find eng/fuzz/corpus -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort)
  if command -v afl-fuzz >/dev/null 2>&1; then
    fuzz_dir="$results/fuzz"; mkdir -p "$fuzz_dir"
    # First the harness's own check (an exception must be saved as a crash), which also builds and instruments.
    if eng/fuzz/run.sh --selftest > "$fuzz_dir/selftest.log" 2>&1; then
      passed=$((passed + 1)); say "$(tail -1 "$fuzz_dir/selftest.log")"
    else
      failed=$((failed + 1)); say "fuzz self-test FAILED:"; tail -15 "$fuzz_dir/selftest.log"
    fi
    say "fuzzing ${#fuzz_targets[@]} targets for $fuzz_seconds s each, two at a time"
    fuzz_one() { eng/fuzz/run.sh "$1" --seconds "$fuzz_seconds" --no-build --out "$fuzz_dir/$1" > "$fuzz_dir/$1.log" 2>&1; echo $? > "$fuzz_dir/$1.rc"; }
    for ((i = 0; i < ${#fuzz_targets[@]}; i += 2)); do
      fuzz_one "${fuzz_targets[i]}" &
      [ $((i + 1)) -lt ${#fuzz_targets[@]} ] && fuzz_one "${fuzz_targets[i + 1]}"
      wait
    done
    for t in "${fuzz_targets[@]}"; do
      if [ "$(cat "$fuzz_dir/$t.rc" 2>/dev/null)" = 0 ]; then
        passed=$((passed + 1)); say "$(grep '^fuzz ' "$fuzz_dir/$t.log")"
      else
        failed=$((failed + 1)); say "fuzz $t FAILED (crashes in $fuzz_dir/$t/default/crashes):"; tail -5 "$fuzz_dir/$t.log"
      fi
    done
  else
    skipped=$((skipped + ${#fuzz_targets[@]} + 1)); say "afl-fuzz missing: the fuzz self-test and ${#fuzz_targets[@]} fuzz targets skipped"
  fi
fi

# 7. Line coverage per package, merged over the test projects (coverlet collector, cobertura).
if $suite; then
  mapfile -t cov < <(find "$results" -name 'coverage.cobertura.xml' -not -path '*/retry/*')
  if [ ${#cov[@]} -gt 0 ]; then
    say "line coverage per package (merged over ${#cov[@]} coverage files of the test projects):"
    awk -f eng/coverage-summary.awk "${cov[@]}" | sort | awk -F'\t' '{printf "  %-28s %6.1f %%  (%d of %d lines)\n", $1, $4, $2, $3}' \
      | tee "$results/coverage.txt"
  else
    say "no coverage files found"
  fi
fi

say "took $(( $(date +%s) - start )) s"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
