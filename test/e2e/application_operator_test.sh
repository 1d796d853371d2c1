#!/usr/bin/env bash
# The Application operator and kop-apiserver as separate processes: 50 Applications
# converge, spec and config changes roll through, drift is corrected, deletion cascades,
# CRD validation rejects a bad Application, metrics and probes answer, SIGTERM stops it.
#
#   application_operator_test.sh OPERATOR KOP_APISERVER CRDS_DIR
set -uo pipefail
operator=$1
apiserver=$2
crds=$3
work=$(mktemp -d)
source "$(dirname "$0")/lib.sh"
start_apiserver "$apiserver" "$work/kubeconfig" "$crds"
api() { curl -sS "$@"; }
post() { curl -sS -H 'Content-Type: application/json' -X POST "$@"; }
merge() { curl -sS -H 'Content-Type: application/merge-patch+json' -X PATCH "$@"; }
apps="$server/apis/example.com/v1/namespaces/default/applications"
core="$server/api/v1/namespaces/default"
deploys="$server/apis/apps/v1/namespaces/default/deployments"

spawn "$operator" --kubeconfig "$work/kubeconfig" --metrics-bind-address 127.0.0.1:0 \
  --health-probe-bind-address 127.0.0.1:0 --simulate-deployments --max-concurrent-reconciles 2 \
  --log-format json -v 1 --graceful-shutdown-timeout 10s 2>"$work/operator.log"
operator_pid=${spawned[-1]}
port_of() { grep "\"$1\"" "$work/operator.log" | head -1 | jq -r '.port // empty'; }
started() { [ -n "$(port_of 'serving health probes')" ]; }
wait_for started || { echo "operator did not start"; cat "$work/operator.log"; exit 1; }
metrics_port=$(port_of 'serving metrics')
health_port=$(port_of 'serving health probes')
ready() { [ "$(curl -s -o /dev/null -w '%{http_code}' "127.0.0.1:$health_port/readyz")" = 200 ]; }
wait_seconds=30 wait_for ready
check "readyz is 200 once the caches synced" ready

for i in $(seq 1 50); do
  post "$apps" -d "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Application\",
    \"metadata\":{\"name\":\"app-$i\"},\"spec\":{\"image\":\"example/app:$i\",\"replicas\":$((i % 3 + 1)),
    \"config\":{\"app.conf\":\"n=$i\"}}}" >/dev/null
done
ready_count() {
  api "$apps" | jq '[.items[] | select(.status.conditions // [] | any(.type == "Ready" and .status == "True"))
                     | select(.status.observedGeneration == .metadata.generation)] | length'
}
all_ready() { [ "$(ready_count)" = 50 ]; }
wait_seconds=60 wait_for all_ready
check "50 Applications become Ready" all_ready
controlled() {  # URL: how many items are controlled by an Application
  api "$1" | jq '[.items[] | select(.metadata.ownerReferences // [] | any(.kind == "Application" and .controller == true))] | length'
}
check "each has a controlled Deployment" test "$(controlled "$deploys")" = 50
check "each has a controlled Service" test "$(controlled "$core/services")" = 50
check "each has a controlled ConfigMap" test "$(controlled "$core/configmaps")" = 50
check "the Deployment runs the image with the replicas" \
  test "$(api "$deploys/app-7" | jq -r '[.spec.replicas, .spec.template.spec.containers[0].image] | join(" ")')" = "2 example/app:7"

merge "$apps/app-1" -d '{"spec":{"replicas":5}}' >/dev/null
replicas_are() { [ "$(api "$deploys/$1" | jq .spec.replicas)" = "$2" ]; }
wait_for replicas_are app-1 5
check "a spec change updates the Deployment" replicas_are app-1 5

hash() { api "$deploys/$1" | jq -r '.spec.template.metadata.annotations["example.com/config-hash"]'; }
before=$(hash app-2)
merge "$apps/app-2" -d '{"spec":{"config":{"app.conf":"changed"}}}' >/dev/null
rehashed() { [ "$(hash app-2)" != "$before" ]; }
wait_for rehashed
check "a config change changes the pod template hash" rehashed
check "and the ConfigMap" test "$(api "$core/configmaps/app-2-config" | jq -r '.data["app.conf"]')" = changed

old_uid=$(api "$deploys/app-3" | jq -r .metadata.uid)
api -X DELETE "$deploys/app-3" >/dev/null
restored() { api "$deploys/app-3" | jq -e --arg old "$old_uid" '.metadata.uid != $old'; }
wait_for restored
check "a deleted Deployment is restored" restored

merge "$deploys/app-5" -d '{"spec":{"replicas":9}}' >/dev/null
wait_for replicas_are app-5 3
check "an edited Deployment is put back" replicas_are app-5 3

api -X DELETE "$apps/app-4" >/dev/null
gone() { for u in "$deploys/app-4" "$core/services/app-4" "$core/configmaps/app-4-config"; do
           [ "$(curl -s -o /dev/null -w '%{http_code}' "$u")" = 404 ] || return 1; done; }
wait_for gone
check "deleting an Application removes its dependents" gone

code=$(post -o "$work/invalid.json" -w '%{http_code}' "$apps" \
  -d '{"apiVersion":"example.com/v1","kind":"Application","metadata":{"name":"bad"},"spec":{"replicas":500}}')
check "an invalid Application is rejected (422)" test "$code" = 422
check "naming the fields" grep -q 'spec.image' "$work/invalid.json"

metrics=$(curl -s "127.0.0.1:$metrics_port/metrics")
success=$(echo "$metrics" | awk '/^controller_runtime_reconcile_total\{controller="application",result="success"\}/ {print $2}')
check "/metrics counts the reconciles" test "${success%.*}" -ge 50
check "/metrics has the work queue" grep -q 'workqueue_adds_total{controller="application",name="application"}' <<<"$metrics"

kill -TERM "$operator_pid"
stopped=0
for _ in $(seq 200); do kill -0 "$operator_pid" 2>/dev/null || { stopped=1; break; }; sleep 0.05; done
check "SIGTERM stops the operator" test "$stopped" = 1
wait "$operator_pid"
check "with exit status 0" test $? = 0
check "no error in the operator's log" bash -c "! grep -q '\"level\":\"error\"' '$work/operator.log'"
finish
