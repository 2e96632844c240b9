#!/bin/sh
# Makes sure a Chromium exists for tests/runtimes/browser_test.ts and prints its path on stdout.
# Runs before every `deno task test`, so the common case (already installed) stays one quick
# check and prints one line. Installs with apt only as root: CI images run as root, and on a
# developer's machine a test task should never reach for sudo.
#
# Exits 1 when no Chromium runs here, but the task goes on to the tests either way (`;`, not
# `&&`, in deno.json): the browser test looks the browser up again the same way, and is then
# skipped with the reason, or fails under CI=true, so CI cannot pass without it.
set -eu

# The consequence, said once after every reason below.
unavailable() {
  echo "$*" >&2
  if [ "${CI:-}" = "true" ]; then
    echo "Chromium is unavailable: the browser test will fail, as CI=true" >&2
  else
    echo "Chromium is unavailable: the browser test will be skipped, the other tests still run" >&2
  fi
  exit 1
}

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
  unavailable "Cannot use CHROMIUM_PATH as it does not run: current value is $CHROMIUM_PATH"
fi

runnable chromium && exit 0

if [ "$(id -u)" -ne 0 ]; then
  unavailable "Cannot install chromium as this is not root: install it" \
    "(e.g. 'sudo apt-get install chromium') or set CHROMIUM_PATH to a Chromium or Chrome binary"
fi
if ! command -v apt-get >/dev/null 2>&1; then
  unavailable "Cannot install chromium as apt-get is missing: install it with your package" \
    "manager or set CHROMIUM_PATH to a Chromium or Chrome binary"
fi

echo "chromium not found: installing it with apt-get (about a minute)" >&2
log=$(mktemp)
# apt's output only matters when it fails; keep the test log short otherwise.
if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } \
  >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  rm -f "$log"
  unavailable "Cannot install chromium with apt-get: see the output above"
fi
rm -f "$log"

runnable chromium && exit 0
unavailable "Cannot run chromium after installing it: try 'chromium --version' to see why"
