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
