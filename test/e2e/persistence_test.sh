#!/usr/bin/env bash
# kop-apiserver --data-dir: killed with SIGKILL in the middle of a write burst and started
# again on the same folder, it has every write it acknowledged, its resource versions carry
# on, and a watch resumes from a resourceVersion taken before the burst.
#
# Usage: persistence_test.sh KOP_APISERVER
set -uo pipefail
bin=$1
work=$(mktemp -d)
source "$(dirname "$0")/lib.sh"
data="$work/data"

start() {  # start KUBECONFIG: a server on the data dir; sets $pid and $server
  rm -f "$1"
  "$bin" --listen 127.0.0.1:0 --kubeconfig-out "$1" --data-dir "$data" 2>>"$work/apiserver.log" &
  pid=$!
  spawned+=($pid)
  wait_for test -s "$1" || { echo "kop-apiserver did not start"; cat "$work/apiserver.log"; exit 1; }
  server=$(awk '/server:/ {print $2}' "$1")
}
cms=/api/v1/namespaces/default/configmaps

start "$work/kc1"
check "the server answers with a data dir" curl -sf "$server/api/v1/namespaces/default"
before=$(curl -sf "$server$cms" | jq -r .metadata.resourceVersion)

# Four writers create ConfigMaps as fast as they can and note each acknowledged one (name
# and resourceVersion) once the server has answered 201.
writer() {
  local n=0 body
  while :; do
    n=$((n + 1))
    body=$(curl -s -m 5 -w '\n%{http_code}' -X POST -H 'Content-Type: application/json' "$server$cms" \
      -d "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"w$1-$n\"},\"data\":{\"n\":\"$n\"}}") || return 0
    [ "$(tail -n 1 <<<"$body")" = 201 ] || return 0
    echo "w$1-$n $(head -n 1 <<<"$body" | jq -r .metadata.resourceVersion)" >>"$work/acked-$1"
  done
}
for w in 1 2 3 4; do
  : >"$work/acked-$w"
  writer "$w" &
  spawned+=($!)
done
wait_seconds=30 wait_for sh -c "[ \$(cat '$work'/acked-* | wc -l) -ge 200 ]"
kill -9 "$pid"
wait "$pid" 2>/dev/null
wait_for_writers() { for p in "${spawned[@]}"; do wait "$p" 2>/dev/null; done; }
wait_for_writers
cat "$work"/acked-* >"$work/acked"
acked=$(wc -l <"$work/acked")
echo "acknowledged writes before SIGKILL: $acked"
check "the burst got writes acknowledged" test "$acked" -ge 200

start "$work/kc2"
missing=0
while read -r name rv; do
  got=$(curl -s "$server$cms/$name" | jq -r .metadata.resourceVersion)
  [ "$got" = "$rv" ] || { missing=$((missing + 1)); echo "lost: $name (acknowledged at $rv, now: $got)"; }
done <"$work/acked"
check "every acknowledged write is there, at its resourceVersion" test "$missing" -eq 0
max_acked=$(awk '{print $2}' "$work/acked" | sort -n | tail -n 1)
next=$(curl -sf -X POST -H 'Content-Type: application/json' "$server$cms" \
  -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"after-restart"}}' | jq -r .metadata.resourceVersion)
check "resource versions continue after the restart" test "$next" -gt "$max_acked"

# A watch from before the burst replays it: every acknowledged object, then the new one.
curl -s -N -m 5 "$server$cms?watch=true&resourceVersion=$before" >"$work/watch" 2>/dev/null
check "the watch from before the burst resumed (no 410)" sh -c "! grep -q '\"code\":410' '$work/watch'"
replayed=$(jq -r 'select(.type == "ADDED") | .object.metadata.name' "$work/watch" | sort -u)
lost_events=0
while read -r name rv; do
  grep -qx "$name" <<<"$replayed" || lost_events=$((lost_events + 1))
done <"$work/acked"
check "the resumed watch delivered every acknowledged create" test "$lost_events" -eq 0
check "the resumed watch delivered the create after the restart" grep -q after-restart "$work/watch"

# SIGTERM and a third start: the database is reopened cleanly, with exactly what it held. (Not
# a count of acknowledged writes: a create in flight at the SIGKILL may have been committed
# without its answer reaching the writer, which is allowed.)
objects() { curl -sf "$server$cms" | jq -c '[.items[] | [.metadata.name, .metadata.resourceVersion]] | sort'; }
objects >"$work/before-term"
check "the list before the clean restart holds every acknowledged write" \
  test "$(jq length "$work/before-term")" -ge $((acked + 1))
kill -TERM "$pid"
wait "$pid" 2>/dev/null
start "$work/kc3"
objects >"$work/after-term"
check "a clean restart keeps everything too" cmp -s "$work/before-term" "$work/after-term"
check "an unusable data dir is a clear error" \
  sh -c "'$bin' --listen 127.0.0.1:0 --data-dir /proc/kop-cannot-write 2>&1 | grep -q 'data-dir'"

finish
