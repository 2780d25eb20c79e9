#!/usr/bin/env bash
# Installs Debian's Chromium (the browser tests/e2e/dashboard.test.ts drives with playwright-core;
# no browser download from anywhere else). A no-op when /usr/bin/chromium exists. Needs apt and
# root (or sudo). Takes about 1–2 minutes on a fresh Debian 12 machine (≈ 100 MB of packages).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  echo "chromium present: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-browser: /usr/bin/chromium is missing and apt-get is not available; install Chromium by hand" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
started=$(date +%s)
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
echo "setup-browser: installed $(/usr/bin/chromium --version) in $(( $(date +%s) - started )) s"
