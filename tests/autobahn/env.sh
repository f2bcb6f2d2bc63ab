# Sourced by the Autobahn scripts: where things live, and how system packages are installed.
if [ -z "${AUTOBAHN_HOME:-}" ]; then
  if [ "$(id -u)" = 0 ]; then AUTOBAHN_HOME=/opt/autobahn-testsuite
  else AUTOBAHN_HOME=${XDG_CACHE_HOME:-$HOME/.cache}/isows/autobahn; fi
fi
export AUTOBAHN_HOME

# apt_need PKG...: installs the Debian packages that are missing: as root directly, else with
# sudo when it works without a password prompt; otherwise says exactly what to install and exits.
apt_need() {
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  local as=()
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then as=(sudo -n)
    else
      echo "missing system packages: ${missing[*]}" >&2
      echo "install them (as root: apt-get install -y ${missing[*]}), then run this again" >&2
      exit 1
    fi
  fi
  echo "apt-get install ${missing[*]}" >&2
  "${as[@]}" apt-get update -qq
  "${as[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
