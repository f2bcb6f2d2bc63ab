#!/usr/bin/env bash
# Installs the Autobahn|Testsuite fuzzing server (`wstest -m fuzzingserver`, which tests
# WebSocket clients) from PyPI, idempotently. A second run only checks (about a second).
#
# wstest is Python 2.7 only. The interpreter is, in this order: $AUTOBAHN_PY2; one an earlier
# run built under $AUTOBAHN_HOME; pyenv's 2.7.*; python2.7/python2 on PATH; else CPython 2.7.18
# built from Debian bullseye's source package (verified by apt and by the checksum below).
# Then a virtualenv in $AUTOBAHN_HOME/venv gets the exact dependency set below, the one isows'
# CI runs (every version pinned: wstest's own requirements no longer resolve unpinned).
#
# AUTOBAHN_HOME defaults to /opt/autobahn-testsuite as root, else ~/.cache/isows/autobahn.
# System packages (only for the Python build) come through apt-get, with sudo when not root.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=env.sh
. "$HERE/env.sh"
VENV="$AUTOBAHN_HOME/venv"
STAMP="$AUTOBAHN_HOME/.installed"
BUILD="$AUTOBAHN_HOME/build"
OWN_PY2="$AUTOBAHN_HOME/python2.7/bin/python2.7"
PY2_ORIG_SHA256=da3080e3b488f648a3d7a4560ddee895284c3380b11d6de75edb986526b9a814
VIRTUALENV_PIN='virtualenv==20.15.1' # the last virtualenv that still creates 2.7 environments

log() { printf '[autobahn-setup] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

REQUIREMENTS='autobahntestsuite==25.10.1
autobahn==0.10.9
txaio==2.1.0
Twisted==19.10.0
zope.interface==4.6.0
incremental==16.10.1
klein==17.10.0
pyOpenSSL==19.1.0
service-identity==18.1.0
six==1.16.0
setuptools==44.0.0
Automat==22.10.0
attrs==21.4.0
constantly==15.1.0
hyperlink==21.0.0
idna==2.10
typing==3.10.0.0
PyHamcrest==1.10.1
wsaccel==0.6.6
ujson==2.0.3
Werkzeug==1.0.1
Jinja2==2.11.3
MarkupSafe==1.1.1
cryptography==3.3.2
cffi==1.15.1
pycparser==2.21
enum34==1.1.10
ipaddress==1.0.23
pyasn1==0.5.1
pyasn1-modules==0.3.0
unittest2==1.1.0
argparse==1.4.0
linecache2==1.0.0
traceback2==1.4.0'

py2_ok() { # a python 2.7 with ssl (pip needs https) and zlib
  [ -x "$1" ] && "$1" -c 'import sys, ssl, zlib; sys.exit(0 if sys.version_info[:2] == (2, 7) else 1)' >/dev/null 2>&1
}

find_py2() {
  local c
  if [ -n "${AUTOBAHN_PY2:-}" ]; then
    py2_ok "$AUTOBAHN_PY2" || die "AUTOBAHN_PY2=$AUTOBAHN_PY2 is not a working python2.7 (with ssl, zlib)"
    echo "$AUTOBAHN_PY2"; return 0
  fi
  if py2_ok "$OWN_PY2"; then echo "$OWN_PY2"; return 0; fi
  for c in $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/2.7.* 2>/dev/null | sort -rV); do
    if py2_ok "$c/bin/python2.7"; then echo "$c/bin/python2.7"; return 0; fi
  done
  for c in python2.7 python2; do
    c=$(command -v "$c" 2>/dev/null) || continue
    case "$c" in */.pyenv/shims/*) continue ;; esac # a shim fails unless 2.7 is selected
    if py2_ok "$c"; then echo "$c"; return 0; fi
  done
  return 1
}

build_py2() {
  log "no Python 2.7 found: building CPython 2.7.18 from Debian bullseye's source package"
  apt_need build-essential libssl-dev zlib1g-dev libffi-dev libbz2-dev libsqlite3-dev \
    libreadline-dev libncurses-dev ca-certificates
  local sb="$BUILD/apt" src="$BUILD/src"
  mkdir -p "$sb/lists/partial" "$sb/cache/archives/partial" "$src"
  # A private apt configuration: the system's sources are left untouched.
  echo 'deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bullseye main' \
    > "$sb/sources.list"
  local apt_opts=(-o "Dir::Etc::SourceList=$sb/sources.list" -o Dir::Etc::SourceParts=/dev/null
                  -o "Dir::State::Lists=$sb/lists" -o "Dir::Cache=$sb/cache" -o APT::Sandbox::User=root)
  local orig="$src/python2.7_2.7.18.orig.tar.gz"
  if ! echo "$PY2_ORIG_SHA256  $orig" | sha256sum -c --quiet >/dev/null 2>&1; then
    apt-get "${apt_opts[@]}" update >/dev/null
    (cd "$src" && apt-get "${apt_opts[@]}" source --download-only python2.7 >/dev/null)
    echo "$PY2_ORIG_SHA256  $orig" | sha256sum -c --quiet || die "checksum mismatch for $orig"
  fi
  rm -rf "$src/Python-2.7.18"
  tar -xzf "$orig" -C "$src"
  (
    cd "$src/Python-2.7.18"
    ./configure --prefix="$AUTOBAHN_HOME/python2.7" --enable-unicode=ucs4 --with-ensurepip=install \
      >"$BUILD/py2-configure.log" 2>&1
    make -j"$(nproc)" >"$BUILD/py2-make.log" 2>&1
    make install >"$BUILD/py2-install.log" 2>&1
  ) || die "building Python 2.7.18 failed: see $BUILD/py2-*.log"
  py2_ok "$OWN_PY2" || die "$OWN_PY2 lacks ssl or zlib: see $BUILD/py2-make.log"
  rm -rf "$src/Python-2.7.18"
}

wstest_ok() {
  [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -W ignore -c \
    'import autobahntestsuite.wstest, autobahntestsuite.fuzzing, wsaccel, twisted' >/dev/null 2>&1
}

mkdir -p "$AUTOBAHN_HOME"
want=$(printf '%s\n' "$REQUIREMENTS" | sha256sum | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && wstest_ok; then
  log "already installed in $AUTOBAHN_HOME"
  exit 0
fi
if ! py2=$(find_py2); then
  build_py2
  py2=$OWN_PY2
fi
log "Python 2 interpreter: $py2"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONWARNINGS=ignore
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (2, 7))'; then
  rm -rf "$VENV"
  if [ ! -d "$BUILD/virtualenv/virtualenv" ]; then
    "$py2" -m pip --version >/dev/null 2>&1 || "$py2" -m ensurepip >/dev/null 2>&1 \
      || die "$py2 has no pip and ensurepip failed"
    "$py2" -m pip install -q --target "$BUILD/virtualenv" "$VIRTUALENV_PIN"
  fi
  PYTHONPATH="$BUILD/virtualenv" "$py2" -m virtualenv -q --no-periodic-update "$VENV"
fi
printf '%s\n' "$REQUIREMENTS" > "$AUTOBAHN_HOME/requirements.txt"
log "installing the pinned requirements (compiles wsaccel, ujson, zope.interface: ~1 min the first time)"
"$VENV/bin/pip" install -q -r "$AUTOBAHN_HOME/requirements.txt"
wstest_ok || die "wstest does not import after the install"
echo "$want" > "$STAMP"
log "installed in $AUTOBAHN_HOME"
