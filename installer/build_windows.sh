#!/usr/bin/env bash
# Compile the Windows installer with NSIS (makensis) on Linux, around a Windows bundle.
#
#   bash installer/build_windows.sh PAYLOAD_DIR [OUTFILE]
#
# PAYLOAD_DIR is the PyInstaller onedir bundle built ON WINDOWS from the same spec
# (py -m PyInstaller --noconfirm --distpath dist --workpath build\pyinstaller installer\enamel.spec
# gives dist\enamel\ with enamel.exe, enamel-admin.exe, enamel-hub.exe and _internal\). PyInstaller does not
# cross-compile; any folder with those names checks the script (the package test does that).
# OUTFILE defaults to dist/enamel-setup-VERSION.exe. Installs Debian's nsis when missing.
# ENAMEL_NSIS_COMPRESSOR=zlib: faster, larger (default: solid LZMA); ENAMEL_NSIS_NOCOMPRESS=1
# stores everything uncompressed (the package test reads the installer's strings).
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/_env.sh"   # cd to the repository root

PAYLOAD=${1:?usage: build_windows.sh PAYLOAD_DIR [OUTFILE]}
[ -d "$PAYLOAD" ] || { echo "No payload folder $PAYLOAD." >&2; exit 2; }
for exe in enamel.exe enamel-admin.exe enamel-hub.exe; do
  [ -f "$PAYLOAD/$exe" ] || { echo "$PAYLOAD has no $exe: is it the Windows bundle?" >&2; exit 2; }
done
command -v makensis >/dev/null || apt_install_missing nsis
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml | head -1)
OUT=${2:-dist/enamel-setup-$VERSION.exe}
mkdir -p "$(dirname "$OUT")"
# makensis resolves relative paths against the script's folder: pass absolute ones.
abs() { (cd "$(dirname "$1")" && printf '%s/%s' "$(pwd)" "$(basename "$1")"); }
makensis -V2 -WX -INPUTCHARSET UTF8 \
  -DPAYLOAD="$(abs "$PAYLOAD")" -DVERSION="$VERSION" -DOUTFILE="$(abs "$OUT")" \
  -DCOMPRESSOR="${ENAMEL_NSIS_COMPRESSOR:-/SOLID lzma}" ${ENAMEL_NSIS_NOCOMPRESS:+-DNOCOMPRESS=1} \
  -DICON="$(abs resources/enamel.ico)" installer/windows/enamel.nsi
echo "installer: $OUT ($(du -h "$OUT" | cut -f1))"
