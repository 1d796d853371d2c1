#!/usr/bin/env bash
# kop-apiserver as a separate process: the kubeconfig it writes, CRDs installed from a folder,
# the real kubectl against it (when installed), fault injection over the admin path, clear
# errors for bad flags and bad CRDs, and a clean exit on SIGTERM.
#
# Usage: kop_apiserver_test.sh KOP_APISERVER_BINARY TESTDATA_DIR
set -euo pipefail
bin=$1
data=$2
work=$(mktemp -d)
# lib.sh sets an EXIT trap of its own; this script's, set after it, runs both.
source "$(dirname "$0")/lib.sh"
pid=
cleanup() {
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
  cleanup_spawned  # lib.sh's: whatever `spawn` started, and $work
}
trap cleanup EXIT


"$bin" --listen 127.0.0.1:0 --kubeconfig-out "$work/kubeconfig" --crds "$data/crds" --admin \
  >"$work/server.log" 2>&1 &
pid=$!
check "the kubeconfig is written once the server answers" wait_for test -s "$work/kubeconfig"
server=$(awk '/server:/ {print $2}' "$work/kubeconfig")
check "the kubeconfig names an http loopback server" grep -q '^http://127.0.0.1:[0-9]*$' <<<"$server"
check "/version answers" curl -sf "$server/version"
check "CRDs from --crds are served" curl -sf "$server/apis/e2e.kop.example.com/v1/namespaces/default/widgets"
check "the CRD is Established" sh -c "curl -sf '$server/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.e2e.kop.example.com' | grep -q Established"

if command -v kubectl >/dev/null; then
  k() { kubectl --kubeconfig "$work/kubeconfig" "$@"; }
  check "kubectl get namespaces lists default" sh -c "kubectl --kubeconfig '$work/kubeconfig' get namespaces -o name | grep -qx namespace/default"
  check "kubectl create configmap" k create configmap e2e --from-literal=k=v
  check "kubectl get the configmap's data" sh -c "kubectl --kubeconfig '$work/kubeconfig' get configmap e2e -o jsonpath='{.data.k}' | grep -qx v"
  check "kubectl resolves a CRD short name" k get wd
  check "kubectl delete configmap" k delete configmap e2e
  check "the configmap is gone" sh -c "! kubectl --kubeconfig '$work/kubeconfig' get configmap e2e"
else
  echo "kubectl not installed: skipping the kubectl checks"
fi

# Fault injection over the admin path.
check "an injected failure is accepted" curl -sf -X POST "$server/kop-admin/faults" \
  -d '{"action":"fail","verb":"list","path":"/configmaps","code":503,"count":1}'
check "the next matching request fails with 503" \
  sh -c "[ \$(curl -s -o /dev/null -w '%{http_code}' '$server/api/v1/namespaces/default/configmaps') = 503 ]"
check "the one after succeeds" curl -sf "$server/api/v1/namespaces/default/configmaps"
check "an unknown admin action is a 400" \
  sh -c "[ \$(curl -s -o /dev/null -w '%{http_code}' -X POST '$server/kop-admin/faults' -d '{\"action\":\"explode\"}') = 400 ]"

# SIGTERM stops it cleanly.
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=
check "SIGTERM exits 0" test "$status" -eq 0

# --tls: HTTPS with a generated CA and a bearer token, both in the kubeconfig.
"$bin" --listen 127.0.0.1:0 --kubeconfig-out "$work/tls-kubeconfig" --tls >"$work/tls.log" 2>&1 &
pid=$!
check "the TLS kubeconfig is written" wait_for test -s "$work/tls-kubeconfig"
tls_server=$(awk '/server:/ {print $2}' "$work/tls-kubeconfig")
check "the TLS server is https" grep -q '^https://' <<<"$tls_server"
awk '/certificate-authority-data:/ {print $2}' "$work/tls-kubeconfig" | base64 -d >"$work/ca.pem"
tls_token=$(awk '/token:/ {print $2}' "$work/tls-kubeconfig")
check "the kubeconfig's CA verifies the server" curl -sf --cacert "$work/ca.pem" "$tls_server/version"
check "an untrusted server certificate is refused" sh -c "! curl -sf '$tls_server/version'"
check "API requests without the token are 401" \
  sh -c "[ \$(curl -s -o /dev/null -w '%{http_code}' --cacert '$work/ca.pem' '$tls_server/api/v1/namespaces') = 401 ]"
check "API requests with the token succeed" \
  curl -sf --cacert "$work/ca.pem" -H "Authorization: Bearer $tls_token" "$tls_server/api/v1/namespaces"
if command -v kubectl >/dev/null; then
  check "kubectl works over TLS with the kubeconfig" \
    sh -c "kubectl --kubeconfig '$work/tls-kubeconfig' get namespaces -o name | grep -qx namespace/default"
fi
kill -TERM "$pid"
wait "$pid" || true
pid=

# --token-auth-file: the static tokens kube-apiserver reads; each one is accepted.
printf '# token,user,uid,groups\nfirst-token,alice,1,"dev,ops"\nsecond-token,bob,2\n' >"$work/tokens.csv"
"$bin" --listen 127.0.0.1:0 --kubeconfig-out "$work/token-kubeconfig" --tls --token-auth-file "$work/tokens.csv" \
  >"$work/token.log" 2>&1 &
pid=$!
check "the token-file kubeconfig is written" wait_for test -s "$work/token-kubeconfig"
token_server=$(awk '/server:/ {print $2}' "$work/token-kubeconfig")
awk '/certificate-authority-data:/ {print $2}' "$work/token-kubeconfig" | base64 -d >"$work/token-ca.pem"
check "the kubeconfig carries the file's first token" grep -q 'token: first-token' "$work/token-kubeconfig"
for t in first-token second-token; do
  check "the file's token $t is accepted" \
    curl -sf --cacert "$work/token-ca.pem" -H "Authorization: Bearer $t" "$token_server/api/v1/namespaces"
done
check "a token not in the file is 401" \
  sh -c "[ \$(curl -s -o /dev/null -w '%{http_code}' --cacert '$work/token-ca.pem' -H 'Authorization: Bearer nope' '$token_server/api/v1/namespaces') = 401 ]"
if command -v kubectl >/dev/null; then
  check "kubectl authenticates with the file's token" \
    sh -c "kubectl --kubeconfig '$work/token-kubeconfig' get namespaces -o name | grep -qx namespace/default"
fi
kill -TERM "$pid"
wait "$pid" || true
pid=
printf 'no-commas-here\n' >"$work/bad-tokens.csv"
check "a malformed token file is refused naming the line" \
  sh -c "'$bin' --listen 127.0.0.1:0 --token-auth-file '$work/bad-tokens.csv' 2>&1 | grep -q 'line 1'"

# Bad input: clear errors, non-zero exits.
check "an unknown flag exits 2 naming the flag" \
  sh -c "'$bin' --bogus 2>&1 >/dev/null; [ \$? -eq 2 ]"
check "the unknown flag is named" sh -c "'$bin' --bogus 2>&1 | grep -q -- --bogus"
check "an invalid CRD exits 1 naming its file" \
  sh -c "'$bin' --listen 127.0.0.1:0 --crds '$data/bad-crds' 2>&1 | grep -q broken.yaml"
check "a bad port is refused" sh -c "'$bin' --listen 127.0.0.1:99999 2>&1 | grep -q 'bad port'"

finish
