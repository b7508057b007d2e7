"""The token store against a real Secret Service: gnome-keyring-daemon, unlocked with a password on stdin, in a
private ``dbus-run-session``; the store runs in a child process inside that session (with keyring's own backend
choice, not the suite's fail backend) and ``secret-tool`` (libsecret) checks what it stored from outside. Also the
file fallback when no Secret Service answers and when the one there is locked and cannot ask for a password.

The Debian packages (gnome-keyring, dbus, libsecret-tools) come from ``make test-deps``; missing, the tests fail
with a sentence saying so rather than skipping."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Secret Service is a Linux API")

TOKEN = "r8_" + "Sx1" * 12
OTHER = "r8_" + "Qw9" * 12
TOOLS = {"dbus-run-session": "dbus", "dbus-send": "dbus", "gnome-keyring-daemon": "gnome-keyring",
         "secret-tool": "libsecret-tools"}

# Inside the private bus: start the daemon unlocked (or locked, with no login keyring, when KEYRING_PASSWORD is
# empty), wait until it owns org.freedesktop.secrets, run the child, stop the daemon by its pid.
SESSION = r"""
set -u
if [ -n "$KEYRING_PASSWORD" ]; then
    printf '%s' "$KEYRING_PASSWORD" | gnome-keyring-daemon --foreground --unlock --components=secrets \
        >"$KEYRING_LOG" 2>&1 &
else
    gnome-keyring-daemon --foreground --components=secrets </dev/null >"$KEYRING_LOG" 2>&1 &
fi
daemon=$!
trap 'kill $daemon 2>/dev/null; wait $daemon 2>/dev/null' EXIT
for _ in $(seq 200); do
    if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; then
        "$@"
        exit $?
    fi
    sleep 0.05
done
echo "gnome-keyring-daemon did not take org.freedesktop.secrets within 10 s" >&2
exit 97
"""

# The child: the real keyring package picks its backend (PYTHON_KEYRING_BACKEND is not set), the real TokenStore
# works with it, secret-tool looks at the result from outside. It prints what it saw as JSON (never a token).
CHILD = r"""
import json, os, subprocess, sys
from pathlib import Path
from desktop_app.storage.secrets import SERVICE, USERNAME, TokenStore

config, steps = Path(sys.argv[1]), sys.argv[2]
token, other = os.environ["TEST_TOKEN"], os.environ["TEST_OTHER"]


def lookup():
    found = subprocess.run(["secret-tool", "lookup", "service", SERVICE, "username", USERNAME],
                           capture_output=True, text=True, timeout=30)
    return found.stdout if found.returncode == 0 else None


def file_state(store):
    path = store.token_file
    if not path.exists():
        return None
    return {"is_token": path.read_text().strip() == token, "mode": oct(path.stat().st_mode & 0o777)}


seen = {}
store = TokenStore(config)
seen["backend"] = store.backend_description
if steps == "round-trip":
    seen["empty"] = store.get()
    store.set("  " + token + "\n")
    seen["stored"] = {"get": store.get() == token, "secret_tool": lookup() == token,
                      "fresh_store": TokenStore(config).get() == token, "file": file_state(store),
                      "warning": store.last_warning}
    store.set(other)
    seen["replaced"] = {"get": store.get() == other, "secret_tool": lookup() == other,
                        "fresh_store": TokenStore(config).get() == other, "warning": store.last_warning}
    store.clear()
    seen["cleared"] = {"get": store.get(), "secret_tool": lookup(), "warning": store.last_warning}
    store.clear()
    seen["cleared_again"] = store.last_warning
elif steps == "from-outside":
    subprocess.run(["secret-tool", "store", "--label=set by another program", "service", SERVICE,
                    "username", USERNAME], input=token, text=True, check=True, timeout=30)
    seen["read"] = store.get() == token
    seen["where"] = store.backend_description
elif steps == "file-moves-in":
    config.mkdir(parents=True, exist_ok=True)
    store.token_file.write_text(other + "\n")
    seen["from_file"] = store.get() == other
    store.set(token)
    seen["file_after"] = store.token_file.exists()
    seen["secret_tool"] = lookup() == token
elif steps == "fallback":
    store.set(token)
    seen["warning"] = store.last_warning
    seen["file"] = file_state(store)
    seen["get"] = store.get() == token
    seen["get_warning"] = store.last_warning
    seen["after"] = store.backend_description
    store.clear()
    seen["clear_warning"] = store.last_warning
    seen["cleared"] = {"get": store.get(), "file": store.token_file.exists()}
else:
    raise SystemExit(f"unknown steps: {steps}")
print(json.dumps(seen))
"""

# A session bus that knows no services at all: nothing owns org.freedesktop.secrets and nothing can be activated.
EMPTY_BUS = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={dir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


@pytest.fixture
def tools() -> dict[str, str]:
    found = {name: shutil.which(name) for name in TOOLS}
    missing = sorted({TOOLS[name] for name, path in found.items() if path is None})
    if missing:
        pytest.fail(f"The real Secret Service tests need the Debian packages {' '.join(missing)}: "
                    "`make test-deps` installs them (as root), or: sudo apt-get install " + " ".join(missing))
    return {name: str(path) for name, path in found.items()}


def child_env(home: Path, **extra: str) -> dict[str, str]:
    """This environment, minus the suite's fail backend, any real session bus and any display (a prompt must
    not open on the developer's screen), with HOME, the XDG folders and the runtime folder in ``home``."""
    dropped = ("PYTHON_KEYRING_BACKEND", "DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY",
               "GNOME_KEYRING_CONTROL", "SSH_AUTH_SOCK")
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    runtime = home / "runtime"
    runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
    env.update({
        "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_STATE_HOME": str(home / ".local" / "state"), "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_RUNTIME_DIR": str(runtime), "TEST_TOKEN": TOKEN, "TEST_OTHER": OTHER, "PYTHONDONTWRITEBYTECODE": "1",
        "KEYRING_LOG": str(home / "gnome-keyring.log"), **extra,
    })
    return env


def run(command: list[str], env: dict[str, str], cwd: Path) -> dict[str, Any]:
    result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)
    log = Path(env["KEYRING_LOG"])
    details = result.stdout + result.stderr + (log.read_text() if log.exists() else "")
    assert result.returncode == 0, details
    assert TOKEN not in details and OTHER not in details, "a token reached the output"
    seen: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return seen


def in_keyring_session(tools: dict[str, str], tmp_path: Path, steps: str, *, password: str = "test-password",
                       ) -> dict[str, Any]:
    child = [sys.executable, "-c", CHILD, str(tmp_path / "config"), steps]
    command = [tools["dbus-run-session"], "--", "bash", "-c", SESSION, "session", *child]
    return run(command, child_env(tmp_path / "home", KEYRING_PASSWORD=password), tmp_path)


def test_round_trip_in_a_real_secret_service(tools: dict[str, str], tmp_path: Path) -> None:
    seen = in_keyring_session(tools, tmp_path, "round-trip")

    assert seen["backend"] == "the system keyring (Secret Service)"
    assert seen["empty"] is None
    assert seen["stored"] == {"get": True, "secret_tool": True, "fresh_store": True, "file": None, "warning": None}
    assert seen["replaced"] == {"get": True, "secret_tool": True, "fresh_store": True, "warning": None}
    assert seen["cleared"] == {"get": None, "secret_tool": None, "warning": None}
    assert seen["cleared_again"] is None  # clearing twice is not an error
    assert not (tmp_path / "config" / "token").exists()
    keyrings = list((tmp_path / "home" / ".local" / "share" / "keyrings").glob("*.keyring"))
    assert keyrings, "gnome-keyring wrote no keyring file: the store did not go through it"
    assert all(TOKEN.encode() not in path.read_bytes() for path in keyrings), "the keyring file is encrypted"


def test_a_token_stored_by_another_program_is_read(tools: dict[str, str], tmp_path: Path) -> None:
    seen = in_keyring_session(tools, tmp_path, "from-outside")
    assert seen == {"backend": "the system keyring (Secret Service)", "read": True,
                    "where": "the system keyring (Secret Service)"}


def test_a_token_in_the_file_moves_into_the_secret_service(tools: dict[str, str], tmp_path: Path) -> None:
    seen = in_keyring_session(tools, tmp_path, "file-moves-in")
    assert seen == {"backend": "the system keyring (Secret Service)", "from_file": True, "file_after": False,
                    "secret_tool": True}


def assert_file_fallback(seen: dict[str, Any], *, warned: bool) -> None:
    assert seen["file"] == {"is_token": True, "mode": "0o600"}
    assert seen["get"] is True
    assert seen["after"].startswith("a private file")
    assert seen["cleared"] == {"get": None, "file": False}
    if warned:
        assert "The system keyring refused the token" in (seen["warning"] or "")
        assert "saved in a private file instead" in seen["warning"]
        assert "trying the file" in (seen["get_warning"] or "")
        assert "could not be removed from the system keyring" in (seen["clear_warning"] or "")
    else:
        assert (seen["warning"], seen["get_warning"], seen["clear_warning"]) == (None, None, None)


def test_no_secret_service_on_the_bus_uses_the_file(tools: dict[str, str], tmp_path: Path) -> None:
    """A desktop session whose bus has no keyring daemon (and cannot start one): straight to the file."""
    bus_dir = tmp_path / "bus"
    bus_dir.mkdir()
    config = tmp_path / "empty-bus.conf"
    config.write_text(EMPTY_BUS.format(dir=bus_dir), encoding="utf-8")
    child = [sys.executable, "-c", CHILD, str(tmp_path / "config"), "fallback"]
    command = [tools["dbus-run-session"], f"--config-file={config}", "--", *child]
    seen = run(command, child_env(tmp_path / "home"), tmp_path)
    assert seen["backend"].startswith("a private file")
    assert_file_fallback(seen, warned=False)
    assert stat.S_IMODE((tmp_path / "config").stat().st_mode) & 0o077 == 0


def test_a_bus_that_does_not_answer_uses_the_file(tools: dict[str, str], tmp_path: Path) -> None:
    """DBUS_SESSION_BUS_ADDRESS names a socket nobody listens on (a stale variable after a crash)."""
    child = [sys.executable, "-c", CHILD, str(tmp_path / "config"), "fallback"]
    env = child_env(tmp_path / "home", DBUS_SESSION_BUS_ADDRESS=f"unix:path={tmp_path / 'no-bus-here'}")
    seen = run(child, env, tmp_path)
    assert seen["backend"].startswith("a private file")
    assert_file_fallback(seen, warned=False)


def test_a_locked_secret_service_that_cannot_prompt_uses_the_file(tools: dict[str, str], tmp_path: Path) -> None:
    """The daemon runs but has no unlocked keyring, and its password prompt cannot open (no display, as over
    SSH): the token still gets saved, in the file, with a warning saying so."""
    seen = in_keyring_session(tools, tmp_path, "fallback", password="")
    assert seen["backend"] == "the system keyring (Secret Service)"  # it is there, only locked
    assert_file_fallback(seen, warned=True)

