#!/usr/bin/env bash
# A hand-driven copy of the integration-test lab (tests/VirtualIp.IntegrationTests/Lab/NetnsLab.cs).
#
#   eng/lab.sh up NAME [NODES]   build switch ns "vip-NAME-sw" (bridge br0), nodes vip-NAME-n1..nN and vip-NAME-client
#   eng/lab.sh down NAME         kill every process left in the lab's namespaces, then delete them
#   eng/lab.sh status NAME       show addresses and the client's neighbour table
#
# Node i: eth0, MAC 02:00:00:00:00:0i, 192.0.2.(10+i)/24, 2001:db8::(10+i)/64 nodad.
# Client: eth0, MAC 02:00:00:00:00:fe, 192.0.2.2/24, 2001:db8::2/64, arp_accept=1.
# Documentation addresses only, and only inside the lab's namespaces. Needs root and iproute2.
# Then e.g.: ip netns exec vip-NAME-n1 bash ; ip netns exec vip-NAME-sw tcpdump -eni br0
set -euo pipefail

usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[ $# -ge 2 ] || usage
cmd=$1 name=$2 nodes=${3:-2}
[[ $name =~ ^[a-z0-9]{1,8}$ ]] || { echo "NAME must be 1-8 lower-case letters/digits" >&2; exit 2; }
[[ $nodes =~ ^[1-9]$ ]] || { echo "NODES must be 1-9" >&2; exit 2; }
sw="vip-$name-sw"

lab_namespaces() { ip netns list | awk '{print $1}' | grep -E "^vip-$name-(sw|n[0-9]|client)$" || true; }

down() {
  # A namespace with a process still in it outlives 'ip netns del': kill what runs inside first (only there, by PID).
  local ns pid
  for ns in $(lab_namespaces); do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
  done
  for ns in $(lab_namespaces); do ip netns del "$ns" && echo "deleted $ns"; done
}

add_ns() {
  ip netns add "$1"
  ip -n "$1" link set lo up
  ip netns exec "$1" sysctl -q -w net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
}

join() { # join ROLE MACBYTE HOST
  local role=$1 mac=$2 host=$3 ns="vip-$name-$1"
  add_ns "$ns"
  [ "$role" = client ] && ip netns exec "$ns" sysctl -q -w net.ipv4.conf.all.arp_accept=1 net.ipv4.conf.default.arp_accept=1
  ip -n "$sw" link add "p-$role" type veth peer name eth0 netns "$ns"
  ip -n "$sw" link set "p-$role" master br0 up
  ip -n "$ns" link set eth0 address "02:00:00:00:00:$mac" up
  ip -n "$ns" addr add "192.0.2.$host/24" dev eth0
  ip -n "$ns" addr add "2001:db8::$host/64" dev eth0 nodad
  echo "$ns: eth0 02:00:00:00:00:$mac 192.0.2.$host 2001:db8::$host"
}

up() {
  [ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 1; }
  if [ -n "$(lab_namespaces)" ]; then echo "lab '$name' exists; run: $0 down $name" >&2; exit 1; fi
  trap 'echo "failed; cleaning up" >&2; down' ERR
  add_ns "$sw"
  ip netns exec "$sw" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "$sw" link add br0 type bridge stp_state 0 mcast_snooping 0
  ip -n "$sw" link set br0 up
  for i in $(seq 1 "$nodes"); do join "n$i" "0$i" $((10 + i)); done
  join client fe 2
  trap - ERR
}

status() {
  for ns in $(lab_namespaces); do echo "== $ns"; ip -n "$ns" -br addr; done
  ip netns list | grep -q "^vip-$name-client" && { echo "== client neighbours"; ip -n "vip-$name-client" neigh show; }
}

case $cmd in
  up) up ;;
  down) down ;;
  status) status ;;
  *) usage ;;
esac
