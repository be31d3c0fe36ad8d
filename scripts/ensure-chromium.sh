#!/bin/sh
# The browser tests drive the system's Chromium (Playwright never downloads a browser here);
# this makes sure /usr/bin/chromium exists, as ensure-postgres.sh does for PostgreSQL.
set -eu
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Chromium from the system's packages..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "Chromium is missing (/usr/bin/chromium): install the 'chromium' package (the browser tests use it)" >&2
exit 1
