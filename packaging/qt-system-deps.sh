#!/usr/bin/env bash
# Ensures the Debian libraries Qt loads (even offscreen) and a font are present, plus the tools the packaging
# tests use: desktop-file-validate (desktop-file-utils), appstreamcli (appstream), objcopy/strip for PyInstaller
# (binutils).
# As root with apt-get it installs what is missing; otherwise it prints what to install.
set -euo pipefail

packages=(libgl1 libegl1 libx11-6 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0 fonts-dejavu-core
    desktop-file-utils appstream binutils)

if ! command -v dpkg-query >/dev/null 2>&1; then
    exit 0  # not a Debian-like system: the user's own package manager is in charge
fi

missing=()
for pkg in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [[ "$status" == *"install ok installed"* ]] || missing+=("$pkg")
done

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian packages Qt and the packaging tests need: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    echo "Qt and the packaging tests need these Debian packages, which are missing:" >&2
    echo "    sudo apt-get install ${missing[*]}" >&2
    exit 1
fi
