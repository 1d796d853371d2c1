#!/usr/bin/env bash
# kop used from a project outside its tree (test/install/consumer), three ways:
#   1. `cmake --install` into a temporary prefix; the project finds it with find_package(kop)
#      alone, builds, and its test (against the embedded server) passes; its production
#      binary links no embedded-server code;
#   2. pkg-config: kop.pc's flags build the same program;
#   3. kop as a subproject (add_subdirectory), without installing;
# and a project the installed `kop init` and `kop create api` generate builds against the
# installed package and as a subproject, and its tests pass, without edits.
#
#   install_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
jobs=$(nproc 2>/dev/null || echo 2)
consumer=$src/test/install/consumer
version=$(sed -n 's/^project(kop VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
# Objects the main build compiled are reused when the compiler is the same and only the
# build directory differs.
export CCACHE_NOHASHDIR=1

echo "== install into $tmp/prefix"
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
test -f "$tmp/prefix/lib/cmake/kop/kopConfig.cmake"
test -x "$tmp/prefix/bin/kop-apiserver"
test -x "$tmp/prefix/bin/kopctl"
test -x "$tmp/prefix/bin/kop"
# Outputs are captured before grep: under pipefail, grep's early exit can fail the pipeline.
out=$("$tmp/prefix/bin/kop" version); grep -qx "kop $version" <<<"$out"

echo "== find_package(kop) from the installed prefix"
cmake -S "$consumer" -B "$tmp/installed" -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$tmp/installed" -j"$jobs" >/dev/null
"$tmp/installed/greeter_test"
out=$("$tmp/installed/greeter" --version); grep -qx "greeter on kop $version" <<<"$out"
symbols=$(nm -C "$tmp/installed/greeter")
if grep -qE "kop::testing::|sqlite3_" <<<"$symbols"; then
  echo "the production binary contains embedded-server code"
  exit 1
fi
# A version the package does not satisfy is refused.
mkdir -p "$tmp/too-new"
cat > "$tmp/too-new/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.22)
project(too_new LANGUAGES CXX)
find_package(kop 99.0 CONFIG REQUIRED)
CMAKE
if cmake -S "$tmp/too-new" -B "$tmp/too-new/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" >"$tmp/too-new.log" 2>&1; then
  echo "find_package(kop 99.0) was satisfied by kop $version"
  exit 1
fi
too_new=$(tr -s " \n" " " < "$tmp/too-new.log"); grep -q "compatible with requested version \"99.0\"" <<<"$too_new"

echo "== pkg-config"
export PKG_CONFIG_PATH=$tmp/prefix/lib/pkgconfig
test "$(pkg-config --modversion kop)" = "$version"
# shellcheck disable=SC2046
g++ -o "$tmp/greeter-pc" "$consumer/main.cc" -I"$consumer" $(pkg-config --cflags --libs kop)
out=$("$tmp/greeter-pc" --version); grep -qx "greeter on kop $version" <<<"$out"

echo "== kop as a subproject"
cmake -S "$consumer" -B "$tmp/subproject" -DKOP_SOURCE_DIR="$src" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$tmp/subproject" -j"$jobs" >/dev/null
"$tmp/subproject/greeter_test"
# Its tests and operators were not configured.
if [ -d "$tmp/subproject/kop/test" ] || [ -d "$tmp/subproject/kop/operators" ]; then
  echo "kop as a subproject configured its tests or operators"
  exit 1
fi
echo "== kop init + kop create api, built against the installed package"
start=$SECONDS
"$tmp/prefix/bin/kop" init --domain acme.io --project backup-operator "$tmp/generated" >/dev/null
(cd "$tmp/generated" && "$tmp/prefix/bin/kop" create api --group backup --version v1 --kind Backup >/dev/null)
# Re-running changes nothing.
out=$(cd "$tmp/generated" && "$tmp/prefix/bin/kop" create api --group backup --version v1 --kind Backup)
if grep -qE "^(create|overwrite)" <<<"$out"; then echo "kop create api, run again, wrote files: $out"; exit 1; fi
cmake -S "$tmp/generated" -B "$tmp/generated/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/generated/build" -j"$jobs" >/dev/null
ctest --test-dir "$tmp/generated/build" --output-on-failure
out=$("$tmp/generated/build/backup-operator" --help); grep -q -- "--leader-elect" <<<"$out"
echo "   generated, built and tested in $((SECONDS - start)) s"

echo "== the tutorial's operator (docs/tutorial.md), written outside the tree with its steps alone"
"$tmp/prefix/bin/kop" init --domain example.com --project greeting-operator "$tmp/tutorial" >/dev/null
(cd "$tmp/tutorial" && "$tmp/prefix/bin/kop" create api --group tutorial --version v1 --kind Greeting >/dev/null)
cp "$src/test/install/tutorial/greeting_types.h" "$tmp/tutorial/api/v1/"
cp "$src/test/install/tutorial/greeting_controller.cc" "$tmp/tutorial/controllers/"
cp "$src/test/install/tutorial/greeting_controller_test.cc" "$tmp/tutorial/test/"
cmake -S "$tmp/tutorial" -B "$tmp/tutorial/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
# The CRD follows the declaration: regenerated, and its test checks it.
cmake --build "$tmp/tutorial/build" --target crds >/dev/null
grep -q "default: Hello" "$tmp/tutorial/crds/tutorial.example.com_greetings.yaml"
cmake --build "$tmp/tutorial/build" -j"$jobs" >/dev/null
ctest --test-dir "$tmp/tutorial/build" --output-on-failure

echo "== the generated project with kop as a subproject"
cmake -S "$tmp/generated" -B "$tmp/generated/build-sub" -DKOP_SOURCE_DIR="$src" >/dev/null
cmake --build "$tmp/generated/build-sub" -j"$jobs" >/dev/null
ctest --test-dir "$tmp/generated/build-sub" --output-on-failure

echo "ok: installed, pkg-config and subproject builds of a project outside the tree pass"
