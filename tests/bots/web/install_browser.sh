#!/bin/sh
# Installs what the browser tests need, only when missing:
#   - Debian's Chromium (apt), driven by Playwright with executable_path
#   - axe-core from the npm registry, under var/node/
# Never runs `playwright install` (its downloads fail in our environments).
set -eu
cd "$(dirname "$0")/../../.."

if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" = "0" ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium
fi

if [ ! -f var/node/node_modules/axe-core/axe.min.js ]; then
    mkdir -p var/node
    npm install --silent --no-audit --no-fund --prefix var/node axe-core@4
fi
