#!/usr/bin/env bash
# kopctl against kop-apiserver, both as separate processes: get in every output format,
# name resolution through discovery, watch, delete, apply, and clear errors.
#
# Usage: kopctl_test.sh KOPCTL KOP_APISERVER TESTDATA_DIR
set -euo pipefail
kopctl=$1
apiserver=$2
data=$3
work=$(mktemp -d)
# lib.sh sets an EXIT trap of its own; this script's, set after it, runs both.
source "$(dirname "$0")/lib.sh"
pid=
watch_pid=
cleanup() {
  [ -n "$watch_pid" ] && kill "$watch_pid" 2>/dev/null || true
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
  cleanup_spawned  # lib.sh's: whatever `spawn` started, and $work
}
trap cleanup EXIT

"$apiserver" --listen 127.0.0.1:0 --kubeconfig-out "$work/kubeconfig" --crds "$data/crds" >"$work/server.log" 2>&1 &
pid=$!
wait_for test -s "$work/kubeconfig"
server=$(awk '/server:/ {print $2}' "$work/kubeconfig")
k() { "$kopctl" --kubeconfig "$work/kubeconfig" "$@"; }
post() {
  curl -sf -X POST -H 'Content-Type: application/json' "$server$1" -d "$2" >/dev/null
}

post /api/v1/namespaces/default/configmaps '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"one","labels":{"app":"web"}},"data":{"k":"v"}}'
post /api/v1/namespaces/default/configmaps '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"two"}}'
post /api/v1/namespaces '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"other"}}'
post /api/v1/namespaces/other/configmaps '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"three"}}'

check "get lists the namespace's objects" sh -c "'$kopctl' --kubeconfig '$work/kubeconfig' get configmaps | grep -q '^one '"
check "-o name prints kind/name" sh -c "[ \"\$('$kopctl' --kubeconfig '$work/kubeconfig' get cm -o name | sort | tr '\n' ' ')\" = 'configmap/one configmap/two ' ]"
check "-A lists every namespace with a NAMESPACE column" sh -c "'$kopctl' --kubeconfig '$work/kubeconfig' get cm -A | grep -q '^other  *three'"
check "-n picks the namespace" sh -c "[ \"\$('$kopctl' --kubeconfig '$work/kubeconfig' get cm -n other -o name)\" = configmap/three ]"
check "-l filters by label" sh -c "[ \"\$('$kopctl' --kubeconfig '$work/kubeconfig' get cm -l app=web -o name)\" = configmap/one ]"
check "-o json prints the object" sh -c "'$kopctl' --kubeconfig '$work/kubeconfig' get configmap one -o json | grep -q '\"k\": \"v\"'"
check "-o yaml prints the object" sh -c "'$kopctl' --kubeconfig '$work/kubeconfig' get cm one -o yaml | grep -q '^kind: ConfigMap'"
check "kinds, singulars and plural.group resolve" sh -c "k() { '$kopctl' --kubeconfig '$work/kubeconfig' \"\$@\"; }; k get ConfigMap one && k get configmap one && k get deployments.apps && k get wd"
check "an unknown resource is a clear error" sh -c "'$kopctl' --kubeconfig '$work/kubeconfig' get nonsense 2>&1 | grep -q \"doesn't have a resource type\""
check "a missing object is a clear error and exit 1" sh -c "! '$kopctl' --kubeconfig '$work/kubeconfig' get cm nope && '$kopctl' --kubeconfig '$work/kubeconfig' get cm nope 2>&1 | grep -q 'not found'"

# Started directly, not through k(): $! must be kopctl itself, or killing it would leave the
# watch running.
"$kopctl" --kubeconfig "$work/kubeconfig" watch configmaps >"$work/watch.out" 2>&1 &
watch_pid=$!
check "watch prints existing objects as ADDED" wait_for grep -q '^ADDED configmap/one ' "$work/watch.out"
post /api/v1/namespaces/default/configmaps '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"late"}}'
check "watch prints a new object" wait_for grep -q '^ADDED configmap/late ' "$work/watch.out"
check "delete deletes" sh -c "'$kopctl' --kubeconfig '$work/kubeconfig' delete cm late | grep -q 'deleted'"
check "watch prints the deletion" wait_for grep -q '^DELETED configmap/late ' "$work/watch.out"
kill "$watch_pid"
wait "$watch_pid" 2>/dev/null || true
watch_pid=

printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: applied}\ndata: {a: b}\n' >"$work/cm.yaml"
# The embedded server does not speak server-side apply yet: kopctl must say so clearly.
check "apply reports each object's outcome" sh -c "'$kopctl' --kubeconfig '$work/kubeconfig' apply -f '$work/cm.yaml' 2>&1 | grep -q 'configmaps/applied'"

check "a bad kubeconfig path is named" sh -c "'$kopctl' --kubeconfig /nonexistent/config get cm 2>&1 | grep -q '/nonexistent/config'"
check "an unknown flag exits 2" sh -c "'$kopctl' --bogus >/dev/null 2>&1; [ \$? -eq 2 ]"
check "an unknown output format exits 2" sh -c "'$kopctl' --kubeconfig '$work/kubeconfig' get cm -o table >/dev/null 2>&1; [ \$? -eq 2 ]"

finish
