# Shared by scripts/demo and scripts/test: a project virtual environment with pinned packages.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PYTHON:-python3}
VENV=${ENAMEL_VENV:-.venv}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi
}

apt_install_missing() {
  # apt_install_missing PKG... : install the Debian packages that are not installed yet.
  command -v dpkg-query >/dev/null || return 0
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing system packages: ${missing[*]}"
  as_root apt-get update -qq || { echo "Cannot run apt-get; install: ${missing[*]}" >&2; return 1; }
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

QT_LIBS=(libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-xkb1
  libxkbcommon-x11-0 libxcb-cursor0 libegl1 libgl1 libfontconfig1 libdbus-1-3 fonts-dejavu-core)

make_venv() {
  local extra=${1:-}
  if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV" 2>/dev/null || {
      apt_install_missing python3-venv && "$PY" -m venv "$VENV"
    }
  fi
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check \
    -c constraints.txt -e ".${extra}" 2>&1 | grep -v "is ignored" || true
  "$VENV/bin/python" -c "import app, PySide6, sqlcipher3" 2>/dev/null || {
    echo "The installation into $VENV failed." >&2; exit 2; }
}
