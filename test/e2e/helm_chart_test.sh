#!/usr/bin/env bash
# The Helm chart renders (with helm-lite, Helm's template language without helm) to the
# manifests it promises, with the defaults and with the options switched on, and those
# manifests are accepted by kop-apiserver. The chart's CRD is the one in crds/.
#
#   helm_chart_test.sh REPO_ROOT KOP_APISERVER KOPCTL CACHE_DIR
# Exits 77 (skipped) when helm-lite can be neither found nor built.
set -uo pipefail
root=$1
apiserver=$2
kopctl=$3
cache=$4
work=$(mktemp -d)
source "$(dirname "$0")/lib.sh"
chart="$root/charts/application-operator"

helm=${KOP_HELM_LITE:-}
if [ -z "$helm" ] && [ -x "$cache/helm-lite" ]; then helm="$cache/helm-lite"; fi
# helm-lite's sources sit in ../shared/tools next to the checkout (or next to the checkout
# this one was cloned from).
origin=$(git -C "$root" config --get remote.origin.url 2>/dev/null || true)
for dir in "$root/.." "${origin:+$origin/..}"; do
  src="$dir/shared/tools/helm-lite/build.sh"
  if [ -z "$helm" ] && [ -n "$dir" ] && [ -f "$src" ]; then
    mkdir -p "$cache"
    bash "$src" "$cache/helm-lite" >"$work/build.log" 2>&1 && helm="$cache/helm-lite"
  fi
done
if [ -z "$helm" ]; then
  echo "SKIPPED: helm-lite is not available (set KOP_HELM_LITE, or provide ../shared/tools/helm-lite)"
  exit 77
fi

check "the chart's CRD is crds/application.yaml" cmp "$chart/crds/application.yaml" "$root/crds/application.yaml"

# Starts a kop-apiserver (with the extra CRDs folder $1, may be empty); sets $server, $kubeconfig.
start_server() {
  kubeconfig="$work/kubeconfig-$RANDOM"
  start_apiserver "$apiserver" "$kubeconfig" "$1"
}
namespace() {
  curl -sS -X POST -H 'Content-Type: application/json' "$server/api/v1/namespaces" \
    -d "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"$1\"}}" >/dev/null
}
kinds() { grep '^kind:' "$1" | sort | uniq -c | awk '{print $3 ":" $1}' | tr '\n' ' '; }
no_wildcards() {
  ! curl -sS "$server/apis/rbac.authorization.k8s.io/v1/$1" |
    jq -e '[.items[].rules[] | (.apiGroups + .resources + .verbs)[]] | any(. == "*")' >/dev/null
}

# ---- the defaults ----
"$helm" template demo "$chart" -n ops --include-crds >"$work/default.yaml" 2>"$work/render.err"
check "renders with the defaults" test -s "$work/default.yaml"
k=$(kinds "$work/default.yaml")
for want in ClusterRole:1 ClusterRoleBinding:1 CustomResourceDefinition:1 Deployment:1 Role:1 RoleBinding:1 Service:1 ServiceAccount:1; do
  check "default rendering has $want" grep -qw "$want" <<<"$k"
done
check "no ServiceMonitor by default" bash -c "! grep -q '^kind: ServiceMonitor' '$work/default.yaml'"
check "no wildcard in the rendered RBAC" bash -c "! grep -E '^\s*(verbs|resources|apiGroups):.*\*' '$work/default.yaml'"

start_server ""
namespace ops
check "kop-apiserver accepts every default manifest" "$kopctl" --kubeconfig "$kubeconfig" create -f "$work/default.yaml"
dep="$server/apis/apps/v1/namespaces/ops/deployments/demo-application-operator"
d=$(curl -sS "$dep")
check "2 replicas" test "$(jq .spec.replicas <<<"$d")" = 2
check "leader election on" jq -e '.spec.template.spec.containers[0].args | index("--leader-elect")' <<<"$d"
check "runs as non-root" jq -e '.spec.template.spec.securityContext.runAsNonRoot == true and .spec.template.spec.securityContext.runAsUser == 65532' <<<"$d"
check "read-only root, no capabilities, no escalation" jq -e '.spec.template.spec.containers[0].securityContext |
  .readOnlyRootFilesystem == true and .capabilities.drop == ["ALL"] and .allowPrivilegeEscalation == false' <<<"$d"
check "HTTP liveness and readiness probes" jq -e '.spec.template.spec.containers[0] |
  .livenessProbe.httpGet.path == "/healthz" and .readinessProbe.httpGet.path == "/readyz"' <<<"$d"
check "resources set" jq -e '.spec.template.spec.containers[0].resources.limits.memory == "128Mi"' <<<"$d"
check "the CRD is installed from the chart" test "$(curl -s -o /dev/null -w '%{http_code}' "$server/apis/example.com/v1/applications")" = 200
check "the ClusterRole has no wildcard" no_wildcards clusterroles
check "the ClusterRole covers what the operator touches, nothing else" test "$(curl -sS \
  "$server/apis/rbac.authorization.k8s.io/v1/clusterroles/demo-application-operator" |
  jq -c '[.rules[] | .resources[]] | sort')" = '["applications","applications/finalizers","applications/status","configmaps","deployments","events","services"]'
check "the leader election Role is for leases only" test "$(curl -sS \
  "$server/apis/rbac.authorization.k8s.io/v1/namespaces/ops/roles/demo-application-operator-leader-election" |
  jq -c '[.rules[] | .resources[]]')" = '["leases"]'
check "the metrics Service targets the metrics port" test "$(curl -sS \
  "$server/api/v1/namespaces/ops/services/demo-application-operator-metrics" | jq -r '.spec.ports[0].targetPort')" = metrics

# ---- the options switched on ----
cat >"$work/options.yaml" <<'YAML'
watchNamespaces: [team-a, team-b]
probes: {type: grpc}
metrics: {serviceMonitor: {enabled: true, labels: {release: prometheus}}}
replicaCount: 3
nodeSelector: {kubernetes.io/os: linux}
tolerations: [{key: dedicated, operator: Equal, value: operators, effect: NoSchedule}]
YAML
"$helm" template demo "$chart" -n ops -f "$work/options.yaml" >"$work/options-out.yaml" 2>"$work/render.err"
check "renders with the options" test -s "$work/options-out.yaml"
k=$(kinds "$work/options-out.yaml")
for want in Role:3 RoleBinding:3 ServiceMonitor:1 Deployment:1; do
  check "options rendering has $want" grep -qw "$want" <<<"$k"
done
check "no ClusterRole when namespaces are listed" bash -c "! grep -q '^kind: ClusterRole' '$work/options-out.yaml'"
start_server "$(dirname "$0")/testdata/monitoring-crds"
for ns in ops team-a team-b; do namespace $ns; done
check "kop-apiserver accepts every manifest with options" "$kopctl" --kubeconfig "$kubeconfig" create -f "$work/options-out.yaml"
d=$(curl -sS "$server/apis/apps/v1/namespaces/ops/deployments/demo-application-operator")
check "gRPC probes" jq -e '.spec.template.spec.containers[0] | .livenessProbe.grpc.port == 8082 and .readinessProbe.grpc.port == 8082' <<<"$d"
check "the gRPC health address is passed" jq -e '.spec.template.spec.containers[0].args | index("--grpc-health-bind-address=:8082")' <<<"$d"
check "the watched namespaces are passed" jq -e '.spec.template.spec.containers[0].args | index("--namespace=team-b")' <<<"$d"
check "node selector and tolerations" jq -e '.spec.template.spec.nodeSelector["kubernetes.io/os"] == "linux" and .spec.template.spec.tolerations[0].key == "dedicated"' <<<"$d"
check "a Role in each watched namespace" test "$(curl -sS "$server/apis/rbac.authorization.k8s.io/v1/roles" | jq '[.items[] | select(.metadata.name == "demo-application-operator")] | length')" = 2
check "no wildcard in the Roles" no_wildcards roles
check "the ServiceMonitor scrapes the metrics port" test "$(curl -sS \
  "$server/apis/monitoring.coreos.com/v1/namespaces/ops/servicemonitors/demo-application-operator" |
  jq -r '.spec.endpoints[0].port + " " + .metadata.labels.release')" = "metrics prometheus"
finish
