#!/usr/bin/env bash
# Every example a docs page shows is a file a test builds and runs: test/docs/<page>/<file>
# must appear verbatim in docs/<page>.md.
#
#   docs_examples_test.sh REPO_ROOT
set -uo pipefail
root=$1
status=0
for dir in "$root"/test/docs/*/; do
  page=$(basename "$dir")
  doc=$(cat "$root/docs/$page.md" 2>/dev/null) || { echo "docs/$page.md is missing"; status=1; continue; }
  for f in "$dir"*; do
    body=$(cat "$f")
    if [[ "$doc" != *"$body"* ]]; then
      echo "docs/$page.md does not show $(basename "$f") as tested (test/docs/$page/)"
      status=1
    fi
  done
done
[ $status -eq 0 ] && echo "ok: the docs show the code their tests build"
exit $status
