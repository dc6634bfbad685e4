#!/usr/bin/env bash
# The systemd unit passes `systemd-analyze verify` and its exposure score from
# `systemd-analyze security --offline=true` is at most 2.0 (issue 8). The score is printed.
#
# usage: check_unit.sh BUILD_DIR    (exit 77 = skipped, with the reason on stdout)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(realpath "$1")
command -v systemd-analyze >/dev/null ||
  { echo "SKIPPED: systemd-analyze is not installed (Debian package systemd; tools/setup installs it)"; exit 77; }
sluiced="$build/src/app/sluiced"
[[ -x $sluiced ]] || { echo "FAIL: $sluiced is not built"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# verify checks that ExecStart's binary exists: point it at the one just built.
sed "s#^ExecStart=/usr/local/bin/sluiced#ExecStart=$sluiced#" "$top/systemd/sluiced.service" \
  >"$work/sluiced.service"
grep -q "^ExecStart=$sluiced " "$work/sluiced.service" ||
  { echo "FAIL: the unit's ExecStart is not /usr/local/bin/sluiced any more; update this test"; exit 1; }
out=$(systemd-analyze verify "$work/sluiced.service" 2>&1) || {
  echo "FAIL: systemd-analyze verify:"; echo "$out"; exit 1; }
if [[ -n $out ]]; then
  echo "FAIL: systemd-analyze verify complained:"; echo "$out"; exit 1
fi
echo "systemd-analyze verify: clean"

report=$(systemd-analyze security --offline=true "$work/sluiced.service" 2>&1)
score=$(sed -n 's/.*Overall exposure level for sluiced.service: \([0-9.]*\).*/\1/p' <<<"$report")
[[ -n $score ]] || { echo "FAIL: no exposure score in:"; echo "$report"; exit 1; }
echo "systemd-analyze security --offline=true: exposure $score (limit 2.0)"
if ! awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'; then
  echo "FAIL: exposure $score is above 2.0; what counts against it:"
  grep '✗' <<<"$report"
  exit 1
fi

# The system-call filter must let io_uring through, or the broker cannot start under it
# (verify above reports names systemd does not know).
for call in io_uring_setup io_uring_enter io_uring_register; do
  grep -q "^SystemCallFilter=.*\b$call\b" "$work/sluiced.service" ||
    { echo "FAIL: SystemCallFilter does not allow $call"; exit 1; }
done
echo "PASS"
