#!/usr/bin/env bash
# The public headers an operator includes (everything under framework/kop but kop/metrics and
# the modules' internal/ folders, which only their own sources include)
# neither include prometheus-cpp's headers nor kop/metrics/metrics.h, which does: an
# operator's files compile without them unless they register metrics of their own.
#
#   no_prometheus_test.sh REPO_ROOT
set -uo pipefail
root=$1
found=$(grep -rlE '#include "(prometheus/|kop/metrics/metrics\.h)' "$root/framework/kop" --include='*.h' |
  grep -v "^$root/framework/kop/metrics/" | grep -v "/internal/" || true)
if [ -n "$found" ]; then
  echo "public headers that pull in prometheus-cpp:"
  echo "$found"
  exit 1
fi
echo "ok: no public header outside kop/metrics includes prometheus-cpp"
