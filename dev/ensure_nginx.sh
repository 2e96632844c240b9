#!/bin/sh
# Makes sure an nginx exists for tests/hardening/behind_nginx_test.ts and prints its path on
# stdout. The test runs it first, so the common case (already installed) is one quick check.
# Installs Debian's nginx-light with apt only as root, as dev/ensure_chromium.sh does: CI images
# run as root, and on a developer's machine a test should never reach for sudo.
set -eu

runnable() {
  found=$(command -v "$1" 2>/dev/null) && [ -x "$found" ] && "$found" -v >/dev/null 2>&1 &&
    printf '%s\n' "$found"
}

if [ -n "${NGINX_PATH:-}" ]; then
  runnable "$NGINX_PATH" && exit 0
  echo "Cannot use NGINX_PATH as it does not run: current value is $NGINX_PATH" >&2
  exit 1
fi

# Debian installs it in /usr/sbin, which a non-root PATH may lack.
runnable nginx && exit 0
runnable /usr/sbin/nginx && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "Cannot find nginx: install it (e.g. 'sudo apt-get install nginx-light') or set" \
    "NGINX_PATH to an nginx binary" >&2
  exit 1
fi

echo "nginx not found: installing nginx-light with apt-get" >&2
log=$(mktemp)
# Try without a fresh package index first: it is slow, and often already there.
if ! { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light ||
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light; }; } \
  >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  rm -f "$log"
  echo "Cannot install nginx-light with apt-get: see the output above" >&2
  exit 1
fi
rm -f "$log"

runnable /usr/sbin/nginx && exit 0
echo "Cannot run nginx after installing it: try '/usr/sbin/nginx -v' to see why" >&2
exit 1
