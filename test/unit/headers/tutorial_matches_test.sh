#!/usr/bin/env bash
# docs/tutorial.md shows the tutorial's files verbatim: the ones install_test.sh builds and
# tests in a project outside the tree (test/install/tutorial/).
#
#   tutorial_matches_test.sh REPO_ROOT
set -uo pipefail
root=$1
doc=$(cat "$root/docs/tutorial.md")
status=0
for f in "$root"/test/install/tutorial/*; do
  body=$(cat "$f")
  if [[ "$doc" != *"$body"* ]]; then
    echo "docs/tutorial.md does not show $(basename "$f") as tested (test/install/tutorial/)"
    status=1
  fi
done
[ $status -eq 0 ] && echo "ok: the tutorial shows the code its test builds"
exit $status
