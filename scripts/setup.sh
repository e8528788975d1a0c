#!/usr/bin/env bash
# Installs whatever Apuri needs that is missing on this machine. Safe to run again:
# each step checks first and does nothing when its work is already done.
#
#   .venv       Python 3.11: the apuri package (gateway, action server, knowledge base, telecare)
#   .venv-rasa  Python 3.10: open-source Rasa 3.6 (it needs Python < 3.11)
#   apt         redis-server (the private Redis that `apuri run` starts), chromium (widget tests)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[setup] %s\033[0m\n' "$*" >&2; exit 1; }

# A Python interpreter of the given minor version: on PATH, then under pyenv.
find_python() {
    local minor=$1 candidate
    for candidate in "python$minor" "$HOME"/.pyenv/versions/"$minor".*/bin/python"$minor" \
        /usr/bin/python"$minor" /usr/local/bin/python"$minor"; do
        if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import venv' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

# A digest of the files that decide what a virtual environment holds.
digest() { cat "$@" | sha256sum | cut -c1-16; }

apt_install() {
    local missing=()
    local pkg
    for pkg in "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get >/dev/null 2>&1 || die "missing system packages: ${missing[*]} (install them with your package manager)"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    say "installing system packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

make_venv() {
    local dir=$1 python=$2 stamp_digest=$3
    shift 3
    if [ -f "$dir/.apuri-installed" ] && [ "$(cat "$dir/.apuri-installed")" = "$stamp_digest" ]; then
        return 0
    fi
    say "preparing $dir with $("$python" --version 2>&1) (first time takes a few minutes)"
    [ -x "$dir/bin/python" ] || "$python" -m venv "$dir"
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "pip<27" 2>&1 \
        | grep -v "is ignored: it is neither" || true
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check "$@" 2>&1 \
        | grep -v "is ignored: it is neither" || true
    "$dir/bin/python" -m pip check >/dev/null || die "pip check failed in $dir: run '$dir/bin/pip check'"
    echo "$stamp_digest" >"$dir/.apuri-installed"
}

command -v redis-server >/dev/null 2>&1 || apt_install redis-server
# The browser tests of the web chat widget drive Debian's Chromium (never a downloaded one).
[ -x /usr/bin/chromium ] || apt_install chromium

PY311=$(find_python 3.11) || die "Python 3.11 was not found. Install it (for example 'pyenv install 3.11') and run again."
PY310=$(find_python 3.10) || die "Python 3.10 was not found; open-source Rasa 3.6 needs Python < 3.11. Install it (for example 'pyenv install 3.10') and run again."

make_venv .venv "$PY311" "$(digest pyproject.toml requirements/main.lock)" \
    -c requirements/main.lock -e ".[dev]"
make_venv .venv-rasa "$PY310" "$(digest requirements/rasa.txt requirements/rasa.lock)" \
    -c requirements/rasa.lock -r requirements/rasa.txt

# The rasa-sdk actions and the gateway import the project from the checkout.
[ -x .venv/bin/apuri ] || die ".venv/bin/apuri is missing after installation"
say "ready: .venv ($("$ROOT/.venv/bin/python" --version)), .venv-rasa ($("$ROOT/.venv-rasa/bin/python" --version))"
