#!/usr/bin/env bash
# Installs the system packages the platform uses, when they are missing.
# As root on Debian/Ubuntu it runs apt-get; otherwise it says what to install.
set -euo pipefail

# wkhtmltopdf: submission letters; fonts-noto-cjk: Chinese in PDFs and pages;
# poppler-utils: PDF checks in tests; chromium: browser tests.
PACKAGES=(python3-venv wkhtmltopdf fonts-noto-cjk poppler-utils chromium)
# More for some runs: CI adds nginx-light so that tests/test_deploy.py checks the example
# nginx configuration with `nginx -t` (on a developer's machine that test is skipped).
PACKAGES+=(${EXTRA_SYSTEM_PACKAGES:-})

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
# A Python that already has venv (e.g. not Debian's) does not need python3-venv.
if python3 -c "import venv, ensurepip" 2>/dev/null; then
  missing=("${missing[@]/python3-venv}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Please install these system packages with your package manager: ${missing[*]}" >&2
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing system packages: ${missing[*]}" >&2
  echo "Install them once with: sudo apt-get install -y ${missing[*]}" >&2
  exit 0
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Install, do not start: a server package (nginx) would otherwise start and take port 80.
# policy-rc.d is Debian's switch for that; an existing one is left alone.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
