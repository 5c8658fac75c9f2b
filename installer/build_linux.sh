#!/usr/bin/env bash
# Build the PyInstaller bundle (dist/enamel/) and the Debian package (dist/enamel_VERSION_ARCH.deb).
#
#   bash installer/build_linux.sh                 # bundle + .deb
#   ENAMEL_SKIP_BUNDLE=1 bash installer/build_linux.sh   # .deb from an existing dist/enamel/
#   ENAMEL_DEB_COMPRESSION=gzip bash installer/build_linux.sh   # faster, larger (default: xz)
#
# Uses the project virtual environment (.venv, or ENAMEL_VENV) and installs the [build] and
# [hub] extras into it when PyInstaller or aiohttp is missing. The package installs to /opt/enamel, links
# /usr/bin/enamel, /usr/bin/enamel-admin and /usr/bin/enamel-hub, and adds a menu entry, an
# icon and the practice hub's systemd unit (enamel-hub.service, installed disabled: only the
# office server runs it). Its maintainer scripts make the hub's system user; nothing starts.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/_env.sh"   # cd to the repository root

command -v dpkg-deb >/dev/null || { echo "dpkg-deb is needed (Debian/Ubuntu)." >&2; exit 2; }
if [ -z "${ENAMEL_SKIP_BUNDLE:-}" ]; then
  # The hub extra (aiohttp) goes into the bundle with enamel-hub.
  { [ -x "$VENV/bin/pyinstaller" ] && "$VENV/bin/python" -c "import aiohttp" 2>/dev/null; } \
    || make_venv "[build,hub]"
  echo "== PyInstaller bundle"
  start=$(date +%s)
  "$VENV/bin/pyinstaller" --noconfirm --log-level WARN \
    --distpath dist --workpath build/pyinstaller installer/enamel.spec
  echo "bundle: dist/enamel ($(du -sh dist/enamel | cut -f1)) in $(( $(date +%s) - start )) s"
fi
[ -x dist/enamel/enamel ] && [ -x dist/enamel/enamel-admin ] && [ -x dist/enamel/enamel-hub ] || {
  echo "dist/enamel/ has no bundle; run without ENAMEL_SKIP_BUNDLE." >&2; exit 2; }

VERSION=$("$VENV/bin/python" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
ARCH=$(dpkg --print-architecture)
NAME="enamel_${VERSION}_${ARCH}"
ROOT="build/deb/$NAME"
echo "== Debian package $NAME"
rm -rf "$ROOT"
mkdir -p "$ROOT/DEBIAN" "$ROOT/opt" "$ROOT/usr/bin" "$ROOT/usr/share/applications" \
  "$ROOT/usr/share/icons/hicolor/scalable/apps" "$ROOT/usr/share/icons/hicolor/256x256/apps" \
  "$ROOT/usr/share/doc/enamel" "$ROOT/usr/lib/systemd/system"
cp -a dist/enamel "$ROOT/opt/enamel"
# Relative links, so the package also works when unpacked under another root (dpkg -x, tests).
ln -s ../../opt/enamel/enamel "$ROOT/usr/bin/enamel"
ln -s ../../opt/enamel/enamel-admin "$ROOT/usr/bin/enamel-admin"
ln -s ../../opt/enamel/enamel-hub "$ROOT/usr/bin/enamel-hub"
install -m 0644 installer/linux/enamel.desktop "$ROOT/usr/share/applications/enamel.desktop"
install -m 0644 resources/enamel.svg "$ROOT/usr/share/icons/hicolor/scalable/apps/enamel.svg"
install -m 0644 resources/enamel.png "$ROOT/usr/share/icons/hicolor/256x256/apps/enamel.png"
install -m 0644 installer/enamel-provision.example.toml "$ROOT/usr/share/doc/enamel/"
install -m 0644 installer/enamel-provision.example.json "$ROOT/usr/share/doc/enamel/"
install -m 0644 README.md "$ROOT/usr/share/doc/enamel/README.md"
install -m 0644 installer/linux/enamel-hub.service "$ROOT/usr/lib/systemd/system/enamel-hub.service"
find "$ROOT" -type d -exec chmod 0755 {} +
# The hub's system user and state folder (postinst), its unit stopped and disabled on removal
# (prerm), systemd told (postrm); each calls systemctl only where systemd runs the machine.
for script in postinst prerm postrm; do
  install -m 0755 "installer/linux/$script" "$ROOT/DEBIAN/$script"
done

# Qt's xcb platform needs these from the system (GL/EGL are never bundled); the rest is inside.
cat > "$ROOT/DEBIAN/control" <<CONTROL
Package: enamel
Version: $VERSION
Architecture: $ARCH
Maintainer: Enamel maintainers <it@enamel.invalid>
Section: misc
Priority: optional
Installed-Size: $(du -sk --exclude=DEBIAN "$ROOT" | cut -f1)
Depends: libc6 (>= 2.31), libegl1, libgl1, libfontconfig1, libfreetype6, libdbus-1-3,
 libx11-6, libx11-xcb1, libxcb1, libxcb-cursor0, libxcb-icccm4, libxcb-image0, libxcb-keysyms1,
 libxcb-randr0, libxcb-render0, libxcb-render-util0, libxcb-shape0, libxcb-shm0, libxcb-sync1,
 libxcb-xfixes0, libxcb-xkb1, libxkbcommon0, libxkbcommon-x11-0, fonts-dejavu-core,
 passwd
Recommends: gnome-keyring | kwalletmanager
Description: Desktop client for dental practices (encrypted PHI, audited access)
 Enamel keeps the data it needs in a SQLCipher-encrypted local database, makes
 everyone sign in with a password and a TOTP code, locks after 15 minutes idle,
 works against the practice's Open Dental server and ships only encrypted,
 signed audit logs to a write-once archive.
 .
 The database key is kept in the desktop's Secret Service (GNOME Keyring or
 KWallet). IT sets up a workstation with 'enamel-admin provision FILE'.
 .
 The package also holds the practice hub (enamel-hub, a systemd unit that is
 installed disabled) for the office server of a practice with several PCs.
CONTROL

start=$(date +%s)
dpkg-deb --build --root-owner-group -Z"${ENAMEL_DEB_COMPRESSION:-xz}" "$ROOT" "dist/$NAME.deb" >/dev/null
echo "package: dist/$NAME.deb ($(du -h "dist/$NAME.deb" | cut -f1)) in $(( $(date +%s) - start )) s"
