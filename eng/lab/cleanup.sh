# Sourced by the namespace-lab scripts (eng/bench-failover.sh, eng/chaos/run.sh).
# lab_cleanup ID: belt and braces if the harness itself is killed: kill what still runs in the namespaces vip-ID-*
# (by PID), then delete them.
lab_cleanup() {
  for ns in $(ip netns list | awk '{print $1}' | grep -E "^vip-$1-" || true); do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
}
