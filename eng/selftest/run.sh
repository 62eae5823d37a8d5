#!/usr/bin/env bash
# Self-test of test.sh: runs it on eng/selftest/SelfTest (one small build, two runs) and checks what it counted.
#   SELFTEST_MODE=pass  -> exit 0, "6 passed, 0 failed, 0 skipped"
#   SELFTEST_MODE=mixed -> exit != 0 and exactly 3 failed: the deterministic failure, the skip on retry and the row
#                          that vanished on retry each stay failed (named "still failing"); the flake is named FLAKY
#                          and counted as passed
#   SELFTEST_MODE=crash -> exit != 0, failed >= 1: the tests the dead host never reported count as failed
# Prints "selftest: ok MODE" per proven run; exits non-zero when any run is not as above.
set -u
cd "$(dirname "$0")/../.."
proj=eng/selftest/SelfTest/SelfTest.csproj
dotnet build "$proj" -c Release -nologo -v q -clp:ErrorsOnly >/dev/null || { echo "selftest: build failed"; exit 1; }
tmp=$(mktemp -d /tmp/virtualip-selftest.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
bad=0
for mode in pass mixed crash; do
  mkdir -p "$tmp/$mode/state"
  out=$(env -u CI SELFTEST_MODE=$mode SELFTEST_STATE="$tmp/$mode/state" VIRTUALIP_TEST_PROJECTS="$proj" \
        VIRTUALIP_TEST_NO_BUILD=1 VIRTUALIP_TEST_RESULTS="$tmp/$mode/results" bash ./test.sh 2>&1)
  rc=$?
  last=$(echo "$out" | tail -1)
  nfailed=$(echo "$last" | sed -n 's/^[0-9]* passed, \([0-9]*\) failed, [0-9]* skipped$/\1/p')
  still() { echo "$out" | grep -q "still failing on retry.*$1"; }
  case $mode in
    pass) ok=$([ $rc -eq 0 ] && [ "$last" = "6 passed, 0 failed, 0 skipped" ] && echo y) ;;
    mixed) ok=$([ $rc -ne 0 ] && [ "$nfailed" = 3 ] && echo "$out" | grep -q 'FLAKY.*Fails_on_the_first_run_only' \
             && still Fails_every_time && still Skips_on_retry && still 'Vanishes_on_retry(row: &quot;first&quot;)' && echo y) ;;
    crash) ok=$([ $rc -ne 0 ] && [ -n "$nfailed" ] && [ "$nfailed" -ge 1 ] && echo "$out" | grep -q 'never reported a result' && echo y) ;;
  esac
  if [ "$ok" = y ]; then
    echo "selftest: ok $mode (exit $rc, \"$last\")"
  else
    echo "selftest: WRONG $mode (exit $rc, \"$last\"); test.sh said:"; echo "$out" | sed 's/^/    /'
    bad=1
  fi
done
[ $bad -eq 0 ] && echo "selftest: every path ends as it must"
exit $bad
