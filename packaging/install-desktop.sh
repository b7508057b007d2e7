#!/usr/bin/env bash
# Installs the desktop integration for the current user (make install-desktop): the .desktop launcher, the
# AppStream metainfo and the icons (hicolor PNG sizes + scalable SVG) into ${XDG_DATA_HOME:-$HOME/.local/share},
# then refreshes the desktop and icon caches when those tools exist.
#
#   packaging/install-desktop.sh [--exec COMMAND] [--data-dir DIR] [--uninstall]
#
# Exec= in the installed launcher is `replicate-desktop` when that command is on PATH, else this checkout's
# .venv/bin/replicate-desktop (absolute), else left as `replicate-desktop` with a warning; --exec overrides it.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
app_id="io.github.replicate_desktop.ReplicateDesktop"
data_dir="${XDG_DATA_HOME:-$HOME/.local/share}"
exec_command=""
uninstall=0

while [ $# -gt 0 ]; do
    case "$1" in
        --exec) exec_command="$2"; shift 2 ;;
        --data-dir) data_dir="$2"; shift 2 ;;
        --uninstall) uninstall=1; shift ;;
        -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done

icons="$root/desktop_app/assets/icons"
sizes=(16 32 48 64 128 256 512)
desktop_file="$data_dir/applications/$app_id.desktop"
metainfo_file="$data_dir/metainfo/$app_id.metainfo.xml"
icon_theme="$data_dir/icons/hicolor"

refresh_caches() {
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q "$data_dir/applications" || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$icon_theme/index.theme" ]; then
        gtk-update-icon-cache -q -t -f "$icon_theme" || true
    elif command -v gtk-update-icon-cache >/dev/null 2>&1; then
        # A per-user hicolor folder usually has no index.theme; touching it is what GTK watches for changes.
        touch "$icon_theme" 2>/dev/null || true
    fi
}

if [ "$uninstall" -eq 1 ]; then
    rm -f "$desktop_file" "$metainfo_file" "$icon_theme/scalable/apps/$app_id.svg"
    for size in "${sizes[@]}"; do
        rm -f "$icon_theme/${size}x${size}/apps/$app_id.png"
    done
    refresh_caches
    echo "Removed the Replicate Desktop launcher, metainfo and icons from $data_dir"
    exit 0
fi

if [ -z "$exec_command" ]; then
    if command -v replicate-desktop >/dev/null 2>&1; then
        exec_command="replicate-desktop"
    elif [ -x "$root/.venv/bin/replicate-desktop" ]; then
        exec_command="$root/.venv/bin/replicate-desktop"
    else
        exec_command="replicate-desktop"
        echo "warning: replicate-desktop is not on PATH and $root/.venv is not installed (make run installs it);" \
            "the launcher will work once the command is on PATH" >&2
    fi
fi
# The Desktop Entry spec: an argument with spaces (or other reserved characters) is double-quoted, with ", `, $
# and \ escaped by a backslash; in the file itself every backslash is then doubled once more.
case "$exec_command" in
    *[[:space:]\"\'\\\$\`\>\<~\|\&\;\*\?\#\(\)]*)
        quoted=$(printf '%s' "$exec_command" | sed -e 's/[\\"`$]/\\&/g' -e 's/\\/\\\\/g')
        exec_value="\"$quoted\""
        ;;
    *) exec_value="$exec_command" ;;
esac
exec_value="${exec_value//%/%%}"  # a literal % is written %% (field codes)
tryexec_value="${exec_command//\\/\\\\}"  # TryExec is a plain string: only backslashes are escaped

install -d "$data_dir/applications" "$data_dir/metainfo" "$icon_theme/scalable/apps"
sed_escape() { printf '%s' "$1" | sed -e 's/[\\&|]/\\&/g'; }
sed -e "s|^Exec=.*|Exec=$(sed_escape "$exec_value")|" -e "s|^TryExec=.*|TryExec=$(sed_escape "$tryexec_value")|" \
    "$root/resources/$app_id.desktop" >"$desktop_file.tmp"
chmod 644 "$desktop_file.tmp"
mv "$desktop_file.tmp" "$desktop_file"
install -m 644 "$root/resources/$app_id.metainfo.xml" "$metainfo_file"
install -m 644 "$icons/icon.svg" "$icon_theme/scalable/apps/$app_id.svg"
for size in "${sizes[@]}"; do
    install -d "$icon_theme/${size}x${size}/apps"
    install -m 644 "$icons/icon-$size.png" "$icon_theme/${size}x${size}/apps/$app_id.png"
done
refresh_caches
echo "Installed the Replicate Desktop launcher (Exec=$exec_value), metainfo and icons into $data_dir"
