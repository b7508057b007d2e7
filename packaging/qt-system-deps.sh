#!/usr/bin/env bash
# Ensures the Debian packages a make target needs are present. As root with apt-get it installs what is missing;
# otherwise it prints the one command that installs them and fails. Not a Debian-like system: it does nothing.
#
#   bash packaging/qt-system-deps.sh [--list] GROUP...
#
# Groups:
#   qt        the libraries Qt loads even offscreen, and a font (without one every glyph is an empty box)
#   display   what Qt's xcb plugin (libqxcb.so) needs to open a real X11 window (since Qt 6.5 libxcb-cursor0 too);
#             `make run` installs these
#   packaging desktop-file-validate, appstreamcli, and objcopy/strip for PyInstaller
#   xvfb      a virtual X server, for the tests that open a real window
#   keyring   a real Secret Service (gnome-keyring in a private dbus-run-session) and secret-tool, for the
#             token store's tests
#   media     what Qt's multimedia module (the optional `media` extra: PySide6-Addons) loads: libpulse
# --list prints the packages of the groups, one a line, and exits.
set -euo pipefail

declare -A groups=(
    [qt]="libgl1 libegl1 libx11-6 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0 fonts-dejavu-core"
    [display]="libxcb1 libx11-xcb1 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0
        libxcb-render-util0 libxcb-randr0 libxcb-render0 libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-util1
        libxcb-xfixes0 libxcb-xkb1 libxcb-glx0 libglx0 libglvnd0"
    [packaging]="desktop-file-utils appstream binutils"
    [xvfb]="xvfb xauth"
    [keyring]="gnome-keyring dbus libsecret-tools"
    [media]="libpulse0"
)

list=0
if [ "${1:-}" = "--list" ]; then
    list=1
    shift
fi
[ $# -gt 0 ] || set -- qt

packages=()
for group in "$@"; do
    if [ -z "${groups[$group]+set}" ]; then
        echo "Unknown group '$group'; the groups are: ${!groups[*]}" >&2
        exit 2
    fi
    # shellcheck disable=SC2206  # split into words on purpose
    members=(${groups[$group]})
    packages+=("${members[@]}")
done

if [ $list -eq 1 ]; then
    printf '%s\n' "${packages[@]}"
    exit 0
fi

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
    echo "Installing the Debian packages for $*: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    log=$(mktemp)
    if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        echo "Installing ${missing[*]} failed (see apt-get's output above)." >&2
        exit 1
    fi
    rm -f "$log"
else
    echo "Missing Debian packages (for: $*); install them with:" >&2
    echo "    sudo apt-get install ${missing[*]}" >&2
    exit 1
fi
