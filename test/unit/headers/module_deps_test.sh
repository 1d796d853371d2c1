#!/usr/bin/env bash
# The modules include only what docs/architecture.md's dependency picture allows: every
# `#include "kop/<module>/..."` in framework/kop/<m>/ must be an allowed edge m -> module.
# Changing an arrow means changing this list and the picture together.
#
#   module_deps_test.sh REPO_ROOT
set -uo pipefail
root=$1
declare -A allowed=(
  [base]=""
  [api]="base"
  [k8s]="api base"
  [log]="api base"
  [workqueue]="api base"
  [client]="api base"
  [cache]="client api base"
  [util]="client api base"
  [controller]="cache client workqueue log api base"
  [leaderelection]="client log api base"
  [metrics]="workqueue base"
  [health]="log base"
  [manager]="controller cache client leaderelection metrics health util log workqueue api base"
  [testing]="log api base"
  [testkit]="manager testing client log api base"
  [scaffold]="api base"
  [devmode]="manager testing client log api base"
)
status=0
for dir in "$root"/framework/kop/*/; do
  m=$(basename "$dir")
  if [ -z "${allowed[$m]+set}" ]; then
    echo "module $m is not in the dependency picture"
    status=1
    continue
  fi
  # scaffold/templates.h holds the text of files `kop init` writes, not includes of its own.
  for used in $(grep -rhoE '#include "kop/[a-z_]+/' "$dir" --exclude=templates.h | sed -E 's|#include "kop/||; s|/$||' | sort -u); do
    [ "$used" = "$m" ] && continue
    case " ${allowed[$m]} " in
      *" $used "*) ;;
      *) echo "$m includes $used, which the picture does not allow:"
         grep -rln --exclude=templates.h "#include \"kop/$used/" "$dir" | sed 's/^/  /'
         status=1 ;;
    esac
  done
done
[ $status -eq 0 ] && echo "ok: every module includes only what the dependency picture allows"
exit $status
