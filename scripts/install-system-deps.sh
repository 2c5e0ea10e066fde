#!/usr/bin/env bash
# Installs the Debian packages Glassbox builds against, when any is missing, and JupyterHub's
# proxy (node-configurable-http-proxy) for the classroom run and its test (docs/classroom.md).
# Runs apt-get directly as root, through sudo otherwise.
set -euo pipefail
packages=(libzmq3-dev libcairo2-dev libopenblas-dev zlib1g-dev pkg-config fonts-dejavu-core
          node-configurable-http-proxy)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
