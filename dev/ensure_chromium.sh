#!/bin/sh
# Makes sure a Chromium exists for tests/runtimes/browser_test.ts and prints its path on stdout.
# Runs before every `deno task test`, so the common case (already installed) stays one quick
# check and prints one line. Installs with apt only as root: CI images run as root, and on a
# developer's machine a test task should never reach for sudo.
set -eu

# The browser test uses $CHROMIUM_PATH when set, else `chromium` on PATH; check the same one.
# `command -v` alone also accepts non-executable files given as a path, hence the -x; running
# --version catches a binary whose shared libraries are missing.
runnable() {
  found=$(command -v "$1" 2>/dev/null) && [ -x "$found" ] && "$found" --version >/dev/null 2>&1 &&
    printf '%s\n' "$found"
}

if [ -n "${CHROMIUM_PATH:-}" ]; then
  # Installing Debian's chromium would not help: the test would still run the broken path.
  runnable "$CHROMIUM_PATH" && exit 0
  echo "Cannot use CHROMIUM_PATH as it does not run: current value is $CHROMIUM_PATH" >&2
  exit 1
fi

runnable chromium && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "Cannot find chromium: install it (e.g. 'sudo apt-get install chromium') or set" \
    "CHROMIUM_PATH to a Chromium or Chrome binary" >&2
  exit 1
fi

echo "chromium not found: installing it with apt-get (about a minute)" >&2
log=$(mktemp)
# apt's output only matters when it fails; keep the test log short otherwise.
if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } \
  >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  rm -f "$log"
  echo "Cannot install chromium with apt-get: see the output above" >&2
  exit 1
fi
rm -f "$log"

runnable chromium && exit 0
echo "Cannot run chromium after installing it: try 'chromium --version' to see why" >&2
exit 1
