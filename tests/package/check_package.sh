#!/usr/bin/env bash
# Install and packaging: `cmake --install` into a scratch prefix puts the binaries, the
# systemd unit (ExecStart pointing at the installed sluiced), sysusers/tmpfiles snippets
# and the example configuration in place; `cpack -G DEB` builds a .deb whose Depends come
# from the binaries' libraries, whose postinst creates the user and directory and enables
# nothing, and whose configuration is a conffile.
#
# usage: check_package.sh BUILD_DIR     (ctest passes it; exit 77 = SKIPPED)
set -euo pipefail
build=$1
for tool in dpkg-deb dpkg-shlibdeps cpack; do
  command -v "$tool" >/dev/null || { echo "SKIPPED: $tool not found (Debian packages dpkg, dpkg-dev, cmake; run tools/setup)"; exit 77; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cmake --install "$build" --prefix "$work/prefix" >"$work/install.log"
for f in bin/sluiced bin/sluice bin/sluice-perf lib/systemd/system/sluiced.service \
         lib/sysusers.d/sluice.conf lib/tmpfiles.d/sluice.conf etc/sluice/server.properties; do
  [[ -e $work/prefix/$f ]] || fail "cmake --install did not install $f"
done
grep -qx "ExecStart=$work/prefix/bin/sluiced --config $work/prefix/etc/sluice/server.properties" \
  "$work/prefix/lib/systemd/system/sluiced.service" ||
  fail "the installed unit does not start the installed sluiced: $(grep ExecStart "$work/prefix/lib/systemd/system/sluiced.service")"
"$work/prefix/bin/sluiced" --help >/dev/null || fail "installed sluiced does not run"

(cd "$build" && cpack -G DEB -B "$work/pkg" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; fail "cpack -G DEB failed"; }
deb=$(ls "$work"/pkg/sluice_*.deb)
dpkg-deb -I "$deb" >"$work/info"
dpkg-deb -c "$deb" | awk '{print $6}' >"$work/files"
for f in ./usr/bin/sluiced ./usr/bin/sluice ./usr/bin/sluice-perf ./usr/lib/systemd/system/sluiced.service \
         ./usr/lib/sysusers.d/sluice.conf ./usr/lib/tmpfiles.d/sluice.conf ./etc/sluice/server.properties; do
  grep -qx -- "$f" "$work/files" || fail "the .deb lacks $f"
done
grep -q '^ Depends:.*liburing2' "$work/info" || fail "Depends does not name liburing2: $(grep Depends "$work/info")"
dpkg-deb --ctrl-tarfile "$deb" | tar -x -C "$work" ./postinst ./conffiles
grep -qx /etc/sluice/server.properties "$work/conffiles" || fail "server.properties is not a conffile"
grep -q systemd-sysusers "$work/postinst" || fail "postinst does not create the sluice user"
if grep -v '^[[:space:]]*#' "$work/postinst" | grep -Eq 'systemctl +(enable|start)'; then fail "postinst enables or starts the service"; fi
# Read the whole unit first: grep -q stops at the match, and with pipefail tar's SIGPIPE
# would fail the pipeline.
packaged_unit=$(dpkg-deb --fsys-tarfile "$deb" | tar -x -O ./usr/lib/systemd/system/sluiced.service)
grep -qx 'ExecStart=/usr/bin/sluiced --config /etc/sluice/server.properties' <<<"$packaged_unit" ||
  fail "the packaged unit does not start /usr/bin/sluiced with /etc/sluice/server.properties"
echo "installed to a prefix and packaged $(basename "$deb"): $(grep -c . "$work/files") entries; $(grep '^ Depends' "$work/info")"

# The .deb installs on this machine and its sluiced runs; then it is purged again.
if [[ $(id -u) != 0 ]]; then
  echo "SKIPPED: installing the .deb with dpkg needs root (the checks above passed)"
  exit 77
fi
if [[ $(dpkg-query -W -f='${Status}' sluice 2>/dev/null) == "install ok installed" ]]; then
  echo "SKIPPED: a sluice package is already installed here; not replacing it (the checks above passed)"
  exit 77
fi
purge() { dpkg --purge sluice >"$work/purge.log" 2>&1 || cat "$work/purge.log"; }
dpkg -i "$deb" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; purge; fail "dpkg -i $(basename "$deb") failed"; }
version=$(/usr/bin/sluiced --version 2>&1) || { purge; fail "/usr/bin/sluiced --version failed: $version"; }
user_ok=1
getent passwd sluice >/dev/null || user_ok=0
dir_ok=1
[[ -d /var/lib/sluice ]] || dir_ok=0
purge
[[ $version == "sluiced $(sed -n 's/^ Version: //p' "$work/info")" ]] ||
  fail "the packaged sluiced says '$version'"
[[ $user_ok == 1 ]] || fail "postinst did not create the sluice user"
[[ $dir_ok == 1 ]] || fail "postinst did not create /var/lib/sluice"
echo "dpkg -i: /usr/bin/sluiced --version says '$version'; user sluice and /var/lib/sluice created; purged"
