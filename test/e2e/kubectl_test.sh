#!/usr/bin/env bash
# The real kubectl against kop-apiserver: every command a developer uses while writing an
# operator, each checked by its result on the server.
#
# Usage: kubectl_test.sh KOP_APISERVER CRDS_DIR [KUBECTL]
# KUBECTL defaults to the kubectl on PATH; without one the test is skipped (exit 77).
set -uo pipefail
bin=$1
crds=$2
kubectl_bin=${3:-$(command -v kubectl || true)}
if [ -z "$kubectl_bin" ]; then
  echo "kubectl not installed: skipped"
  exit 77
fi
work=$(mktemp -d)
source "$(dirname "$0")/lib.sh"

start_apiserver "$bin" "$work/kubeconfig" "$crds"
export kubectl_bin work server
# kubectl with its own discovery and OpenAPI cache, so that nothing cached for another server
# that once had the same port leaks in.
k() { "$kubectl_bin" --kubeconfig "$work/kubeconfig" --cache-dir "$work/cache" "$@"; }
# out COMMAND...: the command's standard output (its errors go to $work/stderr).
out() { k "$@" 2>>"$work/stderr"; }
# run SCRIPT: a bash script that can use k and out, for checks of pipelines.
run() { bash -c "$(declare -f k out); $1"; }
echo "kubectl: $("$kubectl_bin" version --client 2>/dev/null | head -n 1)"
# The client's minor version: before 1.25 kubectl validates fields itself, from /openapi/v2.
minor=$("$kubectl_bin" version --client -o json 2>/dev/null | jq -r '.clientVersion.minor' | tr -dc 0-9)
minor=${minor:-0}
# manifest KIND NAME [EXTRA YAML]: applies a small object (kubectl >= 1.32's generator
# subcommands, such as `kubectl create configmap`, send protobuf, which kop-apiserver does not
# decode; manifests are JSON or YAML).
configmap() { printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\ndata:\n  x: "1"\n' "$1" | k apply -f - >/dev/null; }
deployment() {
  printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: %s\nspec:\n  selector:\n    matchLabels: {app: %s}\n  template:\n    metadata:\n      labels: {app: %s}\n    spec:\n      containers: [{name: app, image: nginx}]\n' \
    "$1" "$1" "$1" | k apply -f - >/dev/null
}

# ---- discovery
check "version names the server" run 'k version 2>&1 | grep -q "v1.31"'
check "api-resources lists deployments and applications" \
  run 'k api-resources >"$work/resources" && grep -q "^deployments " "$work/resources" && grep -q "^applications " "$work/resources"'
check "api-versions lists apps/v1 and example.com/v1" \
  run 'k api-versions >"$work/versions" && grep -qx apps/v1 "$work/versions" && grep -qx example.com/v1 "$work/versions"'

# ---- create -f, get in every output format
cat >"$work/cm.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  color: blue
YAML
check "create -f a ConfigMap" k create -f "$work/cm.yaml"
check "get prints kube's columns" run 'out get configmap settings | head -n 1 | grep -q "^NAME *DATA *AGE"'
check "get -o json" run 'out get configmap settings -o json | jq -e ".data.color == \"blue\""'
check "get -o yaml" run 'out get configmap settings -o yaml | grep -q "^  color: blue"'
check "get -o name" run '[ "$(out get configmap settings -o name)" = configmap/settings ]'
check "get --sort-by sorts the rows by a field" \
  run 'for cm in "zz-1 a" "aa-2 b"; do set -- $cm
         printf "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  labels: {sorted: \"yes\"}\ndata:\n  order: %s\n" "$1" "$2" | k apply -f - >/dev/null
       done
       [ "$(out get configmaps -l sorted=yes --sort-by=.data.order --no-headers | awk "{print \$1}" | tr "\n" " ")" = "zz-1 aa-2 " ] &&
       k delete configmaps -l sorted=yes >/dev/null'
check "create -f twice is AlreadyExists" \
  run '! k create -f "$work/cm.yaml" >"$work/again.out" 2>&1 && grep -q AlreadyExists "$work/again.out"'

# ---- apply (client-side): create, then a changed re-apply
cat >"$work/deploy.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: nginx:1.25
        ports: [{containerPort: 80}]
        env: [{name: MODE, value: one}, {name: KEEP, value: "yes"}]
      - name: sidecar
        image: busybox:1.36
YAML
check "apply -f creates a Deployment" k apply -f "$work/deploy.yaml"
sed -i 's/replicas: 2/replicas: 3/; s/value: one/value: two/; s/nginx:1.25/nginx:1.26/' "$work/deploy.yaml"
check "apply -f again configures it" run 'k apply -f "$work/deploy.yaml" | grep -q configured'
check "the re-apply changed replicas, image and one env var, and kept the rest" \
  run 'out get deploy web -o json | jq -e ".spec.replicas == 3 and
    .spec.template.spec.containers[0].image == \"nginx:1.26\" and
    (.spec.template.spec.containers[0].env | map(.value)) == [\"two\", \"yes\"] and
    (.spec.template.spec.containers | length) == 2"'
sed -i '/- name: sidecar/,/image: busybox/d' "$work/deploy.yaml"
check "apply -f without the sidecar" k apply -f "$work/deploy.yaml"
check "a container dropped from the manifest is removed" \
  run 'out get deploy web -o json | jq -e ".spec.template.spec.containers | length == 1"'
check "get -o wide shows containers and images" run 'out get deploy web -o wide | grep -q "app *nginx:1.26"'
check "describe a Deployment" run 'out describe deployment web | grep -q "^Replicas: *3 desired"'
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  a: "1"\n  b: "2"\n' >"$work/applied.yaml"
check "apply -f a ConfigMap" k apply -f "$work/applied.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  a: "10"\n' >"$work/applied.yaml"
check "a changed re-apply of a ConfigMap" k apply -f "$work/applied.yaml"
check "the ConfigMap has exactly the new data" run 'out get configmap applied -o json | jq -e ".data == {\"a\": \"10\"}"'

# ---- custom resources: apply, printer columns, explain, scale, schema validation
cat >"$work/app.yaml" <<'YAML'
apiVersion: example.com/v1
kind: Application
metadata:
  name: shop
spec:
  image: nginx:1.25
  replicas: 2
  port: 8080
YAML
check "apply -f a custom object" k apply -f "$work/app.yaml"
sed -i 's/replicas: 2/replicas: 4/' "$work/app.yaml"
check "re-apply a changed custom object" k apply -f "$work/app.yaml"
check "the custom object changed" run '[ "$(out get application shop -o jsonpath="{.spec.replicas}")" = 4 ]'
check "get shows the CRD's printer columns" run 'out get applications | head -n 1 | grep -q "^NAME *IMAGE *DESIRED"'
check "get shows the custom object's row" run 'out get applications | grep -q "^shop *nginx:1.25 *4"'
check "describe a custom object" run 'out describe application shop | grep -q "Image: *nginx:1.25"'
check "explain a CRD field" run 'out explain applications.spec.image | grep -qi "container image"'
check "scale a custom object through its scale subresource" k scale application shop --replicas=6
check "the custom object's replicas moved" run '[ "$(out get application shop -o jsonpath="{.spec.replicas}")" = 6 ]'
printf 'apiVersion: example.com/v1\nkind: Application\nmetadata:\n  name: typo\nspec:\n  image: x\n  replica: 2\n' >"$work/typo.yaml"
if [ "$minor" -ge 25 ]; then
  check "an unknown field is refused (server-side validation)" \
    run '! k apply -f "$work/typo.yaml" >"$work/typo.out" 2>&1 && grep -q "unknown field \"spec.replica\"" "$work/typo.out"'
  check "--validate=warn warns and creates" \
    run 'k apply --validate=warn -f "$work/typo.yaml" 2>&1 | grep -q "unknown field \"spec.replica\"" && k get application typo'
else
  check "an unknown field is refused (client-side validation from /openapi/v2)" \
    run '! k apply -f "$work/typo.yaml" >"$work/typo.out" 2>&1 && grep -q "unknown field \"replica\"" "$work/typo.out"'
fi
printf 'apiVersion: example.com/v1\nkind: Application\nmetadata:\n  name: bad\nspec:\n  image: x\n  replicas: -1\n' >"$work/bad.yaml"
check "a schema violation is refused with the field named" \
  run '! k apply -f "$work/bad.yaml" >"$work/bad.out" 2>&1 && grep -q "spec.replicas" "$work/bad.out"'

# ---- server-side apply, diff
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  owner: first\n' >"$work/ssa.yaml"
check "apply --server-side" run 'k apply --server-side --field-manager first -f "$work/ssa.yaml" | grep -q serverside-applied'
sed -i 's/owner: first/owner: second/' "$work/ssa.yaml"
check "another manager's change conflicts" \
  run '! k apply --server-side --field-manager second -f "$work/ssa.yaml" >"$work/ssa.out" 2>&1 && grep -qi conflict "$work/ssa.out"'
check "--force-conflicts takes the field" k apply --server-side --field-manager second --force-conflicts -f "$work/ssa.yaml"
check "the forced value is stored" run '[ "$(out get configmap ssa -o jsonpath="{.data.owner}")" = second ]'
sed -i 's/replicas: 3/replicas: 5/' "$work/deploy.yaml"
check "diff shows a pending change (exit 1)" \
  run 'k diff -f "$work/deploy.yaml" >"$work/diff.out"; [ $? -eq 1 ] && grep -q "^+  replicas: 5" "$work/diff.out"'
check "diff changed nothing" run '[ "$(out get deploy web -o jsonpath="{.spec.replicas}")" = 3 ]'

# ---- edit, label, annotate, patch
printf '#!/bin/sh\nsed -i "s/color: blue/color: green/" "$1"\n' >"$work/editor.sh"
chmod +x "$work/editor.sh"
check "edit with an editor script" env EDITOR="$work/editor.sh" "$kubectl_bin" --kubeconfig "$work/kubeconfig" \
  --cache-dir "$work/cache" edit configmap settings
check "the edit was saved" run '[ "$(out get configmap settings -o jsonpath="{.data.color}")" = green ]'
check "label" k label configmap settings tier=frontend
check "annotate" k annotate configmap settings note=hello
check "label and annotation are stored" \
  run 'out get configmap settings -o json | jq -e ".metadata.labels.tier == \"frontend\" and .metadata.annotations.note == \"hello\""'
check "get -l selects by label" run '[ "$(out get configmaps -l tier=frontend -o name)" = configmap/settings ]'
check "patch --type merge" k patch configmap settings --type merge -p '{"data":{"size":"L"}}'
check "patch --type json" k patch configmap settings --type json -p '[{"op":"remove","path":"/data/color"}]'
check "merge and JSON patches applied" run 'out get configmap settings -o json | jq -e ".data == {\"size\": \"L\"}"'
check "patch --type strategic merges a container by name" \
  k patch deployment web --type strategic -p '{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx:1.27"}]}}}}'
check "the strategic patch kept the container's env" \
  run 'out get deploy web -o json | jq -e ".spec.template.spec.containers[0].image == \"nginx:1.27\" and
    (.spec.template.spec.containers[0].env | length) == 2"'
check "scale a Deployment" k scale deployment web --replicas=7
check "the Deployment's replicas moved" run '[ "$(out get deploy web -o jsonpath="{.spec.replicas}")" = 7 ]'

# ---- get -w, wait
k get configmaps -w -o name >"$work/watch.out" 2>&1 &
watcher=$!
spawned+=($watcher)
wait_for grep -q configmap/settings "$work/watch.out"
configmap watched
check "get -w prints a new object" wait_for grep -q configmap/watched "$work/watch.out"
kill "$watcher" 2>/dev/null
# The Ready condition, written to the status subresource as a controller would.
curl -sf -X PATCH -H 'Content-Type: application/merge-patch+json' \
  "$server/apis/example.com/v1/namespaces/default/applications/shop/status" \
  -d '{"status":{"conditions":[{"type":"Ready","status":"True","reason":"Test","message":"ok","lastTransitionTime":"2026-01-01T00:00:00Z"}]}}' \
  >/dev/null
check "wait --for=condition=Ready" k wait --for=condition=Ready application/shop --timeout=10s
k wait --for=delete configmap/watched --timeout=20s >"$work/wait.out" 2>&1 &
waiter=$!
check "delete" k delete configmap watched
check "wait --for=delete returns once it is gone" wait "$waiter"

# ---- delete cascades
dependent() {  # dependent NAME OWNER [FINALIZER]
  local uid fin=""
  uid=$(out get deploy "$2" -o jsonpath='{.metadata.uid}')
  [ -n "${3:-}" ] && fin="  finalizers: [$3]"
  k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: ConfigMap
metadata:
  name: $1
  ownerReferences:
  - {apiVersion: apps/v1, kind: Deployment, name: $2, uid: $uid, blockOwnerDeletion: true}
$fin
data: {x: "1"}
YAML
}
for d in bg fg orphaned; do deployment "$d"; done
dependent bg-child bg
dependent fg-child fg example.com/hold
dependent orphaned-child orphaned
check "delete --cascade=background" k delete deployment bg --cascade=background
check "background: the dependent is collected" wait_for run '! k get configmap bg-child'
check "delete --cascade=orphan" k delete deployment orphaned --cascade=orphan
check "orphan: the dependent stays without its owner reference" \
  run 'out get configmap orphaned-child -o json | jq -e ".metadata.ownerReferences == null"'
check "delete --cascade=foreground --wait=false" k delete deployment fg --cascade=foreground --wait=false
check "foreground: the owner waits with the foregroundDeletion finalizer" \
  run 'out get deployment fg -o json | jq -e ".metadata.finalizers == [\"foregroundDeletion\"]"'
check "foreground: the held dependent is being deleted" \
  run 'out get configmap fg-child -o json | jq -e ".metadata.deletionTimestamp != null"'
k patch configmap fg-child --type json -p '[{"op":"remove","path":"/metadata/finalizers"}]' >/dev/null
check "foreground: the owner goes once its dependent is gone" wait_for run '! k get deployment fg'
check "delete -f" k delete -f "$work/deploy.yaml"
check "the Deployment is gone" run '! k get deployment web'

# ---- auth: the server authorises everyone it authenticates
check "auth can-i answers yes" run '[ "$(out auth can-i create deployments)" = yes ]'
check "auth can-i --list lists every verb on every resource" \
  run 'out auth can-i --list | grep -Eq "^\*\.\* +\[\] +\[\] +\[\*\]"'
check "create token issues a token that authenticates as the service account" \
  run 'printf "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: builder\n" | k apply -f - >/dev/null &&
       t=$(out create token builder --duration=15m) &&
       printf "apiVersion: authentication.k8s.io/v1\nkind: TokenReview\nspec:\n  token: %s\n" "$t" |
         out create -f - -o json | jq -e ".status.user.username == \"system:serviceaccount:default:builder\""'
check "auth whoami names the kubeconfig's user" \
  run 'out auth whoami -o json | jq -e ".status.userInfo.groups | index(\"system:authenticated\")"'

finish
