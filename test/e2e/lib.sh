# Helpers shared by the e2e scripts: counted checks and waiting on a condition with a deadline.
# Sourced; expects $work (a scratch folder) to be set.

passed=0
failed=0

# check DESCRIPTION COMMAND...: runs COMMAND, counts it, prints its output when it fails.
check() {
  local what=$1
  shift
  if "$@" >"$work/out" 2>&1; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAILED: $what"
    sed 's/^/    /' "$work/out"
  fi
}

# wait_for COMMAND...: retries COMMAND until it succeeds, for up to $wait_seconds (10) seconds.
wait_for() {
  local deadline=$((SECONDS + ${wait_seconds:-10}))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.05
  done
}

# finish: prints the tally and fails when any check did.
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

# Processes started with `spawn` are killed, and $work removed, when the script exits.
spawned=()
spawn() {
  "$@" &
  spawned+=($!)
}
cleanup_spawned() {
  for p in "${spawned[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup_spawned EXIT

# start_apiserver KOP_APISERVER KUBECONFIG_OUT [CRDS_DIR]: starts kop-apiserver, waits for its
# kubeconfig, and sets $server to its URL.
start_apiserver() {
  local crds=()
  [ -n "${3:-}" ] && crds=(--crds "$3")
  spawn "$1" --listen 127.0.0.1:0 --kubeconfig-out "$2" "${crds[@]}" 2>>"$work/apiserver.log"
  wait_for test -s "$2" || { echo "kop-apiserver did not start"; cat "$work/apiserver.log"; exit 1; }
  server=$(awk '/server:/ {print $2}' "$2")
}
