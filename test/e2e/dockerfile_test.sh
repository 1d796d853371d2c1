#!/usr/bin/env bash
# No Docker engine runs here, so the image cannot be built in CI; this checks what can be
# checked without one: the build stage runs scripts that exist, the binary it copies is the
# one the build produces, the gRPC health module is copied where the operator loads it from,
# the runtime stage installs (directly or as dependencies) the
# package of every shared library the binary and the module link, and the image runs as
# non-root.
#
#   dockerfile_test.sh REPO_ROOT OPERATOR_BINARY GRPC_HEALTH_MODULE
set -uo pipefail
root=$1
binary=$2
module=${3:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib.sh"
dockerfile="$root/Dockerfile"

check "the build stage runs scripts/setup and scripts/build" \
  grep -q 'RUN scripts/setup' "$dockerfile"
for s in setup build; do check "scripts/$s exists" test -x "$root/scripts/$s"; done
copied=$(sed -n 's|^COPY --from=build /build/\([^ ]*\) /usr/local/bin/.*|\1|p' "$dockerfile")
check "the copied binary is the one the build makes ($copied)" \
  test -n "$copied" -a "${binary%/$copied}" != "$binary"
# The gRPC health module, loaded at run time from ../lib/kop/ beside the binary.
module_copied=$(sed -n 's|^COPY --from=build /build/\([^ ]*libkop_health_grpc.so\) /usr/local/lib/kop/libkop_health_grpc.so$|\1|p' "$dockerfile")
check "the image has the gRPC health module where the operator looks ($module_copied)" \
  test -n "$module_copied" -a -f "${module:-/nonexistent}" -a "${module%/$module_copied}" != "${module:-}"
check "the image runs as a non-root uid" grep -qE '^USER [1-9][0-9]*' "$dockerfile"
check "the image starts the operator" grep -q 'ENTRYPOINT \["/usr/local/bin/application-operator"' "$dockerfile"

# The runtime packages, and everything they pull in.
runtime=$(awk '/FROM debian:bookworm-slim/ {s=1} s' "$dockerfile" |
  sed -n '/apt-get install/,/rm -rf/p' | tr ' \\' '\n\n' |
  grep -E '^(lib|ca-)[a-z0-9.+-]+$' | sort -u)
check "the runtime stage lists packages" test -n "$runtime"
apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
  --no-replaces --no-enhances $runtime 2>/dev/null | grep -v '^ ' | sed 's/:.*//' | sort -u >"$work/closure"
for lib in $( (ldd "$binary"; ldd "$module") | awk '/=>/ {print $3}' | sort -u); do
  pkg=$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null || dpkg -S "$lib" 2>/dev/null)
  pkg=${pkg%%:*}
  [ -z "$pkg" ] && continue  # not from a package (built here)
  check "the runtime stage provides $(basename "$lib") ($pkg)" grep -qx "$pkg" "$work/closure"
done
finish
