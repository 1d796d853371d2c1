#!/usr/bin/env bash
# The Debian packages: `cpack -G DEB` makes libkop-dev and kop-tools with the right names,
# versions, descriptions, Depends and contents; unpacked into a scratch root (dpkg-deb -x,
# no installation), they build and test the project in test/install/consumer.
#
#   deb_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
jobs=$(nproc 2>/dev/null || echo 2)
version=$(sed -n 's/^project(kop VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
export CCACHE_NOHASHDIR=1
fail() { echo "deb_test: $*"; exit 1; }

echo "== cpack -G DEB"
(cd "$build" && cpack -G DEB -B "$tmp/packages" >/dev/null)
dev=$(ls "$tmp"/packages/libkop-dev_*.deb)
tools=$(ls "$tmp"/packages/kop-tools_*.deb)

echo "== control fields"
[ "$(dpkg-deb -f "$dev" Package)" = libkop-dev ] || fail "libkop-dev: wrong Package"
[ "$(dpkg-deb -f "$dev" Version)" = "$version" ] || fail "libkop-dev: Version is not $version"
[ "$(dpkg-deb -f "$tools" Version)" = "$version" ] || fail "kop-tools: Version is not $version"
dev_depends=$(dpkg-deb -f "$dev" Depends)
for p in libabsl-dev nlohmann-json3-dev libcurl4-openssl-dev libssl-dev libyaml-dev prometheus-cpp-dev libcivetweb-dev libsqlite3-dev; do
  case ", $dev_depends," in *", $p"[,\ ]*) ;; *) fail "libkop-dev does not depend on $p: $dev_depends" ;; esac
done
tools_depends=$(dpkg-deb -f "$tools" Depends)
for p in libc6 libcurl4 libsqlite3-0; do
  case "$tools_depends" in *"$p"*) ;; *) fail "kop-tools does not depend on $p: $tools_depends" ;; esac
done
# (Captured first: under pipefail, `producer | grep -q` fails when grep's early exit kills the
# producer with SIGPIPE.)
dev_description=$(dpkg-deb -f "$dev" Description)
tools_description=$(dpkg-deb -f "$tools" Description)
grep -q "Kubernetes operators in C++" <<<"$dev_description" || fail "libkop-dev has no description"
grep -q "kop-apiserver" <<<"$tools_description" || fail "kop-tools has no description"

echo "== contents"
dev_files=$(dpkg-deb -c "$dev" | awk '{print $6}')
for f in ./usr/include/kop/manager/manager.h ./usr/include/kop/testing/apiserver.h ./usr/lib/libkop_manager.a \
         ./usr/lib/libkop_testing.a ./usr/lib/cmake/kop/kopConfig.cmake ./usr/lib/cmake/kop/kopConfigVersion.cmake \
         ./usr/lib/pkgconfig/kop.pc ./usr/lib/kop/libkop_health_grpc.so; do
  grep -qx "$f" <<<"$dev_files" || fail "libkop-dev lacks $f"
done
if grep -q "^./usr/bin/" <<<"$dev_files"; then fail "libkop-dev holds programs"; fi
tools_files=$(dpkg-deb -c "$tools" | awk '{print $6}')
for f in ./usr/bin/kop-apiserver ./usr/bin/kopctl; do
  grep -qx "$f" <<<"$tools_files" || fail "kop-tools lacks $f"
done
if grep -q "^./usr/include/" <<<"$tools_files"; then fail "kop-tools holds headers"; fi

echo "== a project built against the unpacked packages"
dpkg-deb -x "$dev" "$tmp/root"
dpkg-deb -x "$tools" "$tmp/root"
cmake -S "$src/test/install/consumer" -B "$tmp/consumer" -DCMAKE_PREFIX_PATH="$tmp/root/usr" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$tmp/consumer" -j"$jobs" >/dev/null
"$tmp/consumer/greeter_test"
"$tmp/root/usr/bin/kop-apiserver" --help >/dev/null
echo "ok: libkop-dev and kop-tools $version"
