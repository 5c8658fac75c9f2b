"""Write installer/windows/constraints-win.txt from a pip --report made by the Windows Python.

    python3 installer/windows/pins.py REPORT.json OUT.txt

Every package pip would install, pinned to its version and the sha256 of the win_amd64 (or
pure-Python) wheel it chose, so scripts/test-windows installs exactly these with
--require-hashes. Run through `bash scripts/test-windows --resolve`, never by hand.
"""

import json
import sys


def main(report_path: str, out_path: str) -> int:
    with open(report_path, encoding="utf-8") as f:
        report = json.load(f)
    env = report["environment"]
    if env.get("sys_platform") != "win32" or env.get("platform_machine") != "AMD64":
        print(f"the report is not from 64-bit Windows Python: {env}", file=sys.stderr)
        return 2
    lines = []
    for item in report["install"]:
        meta = item["metadata"]
        info = item["download_info"]
        wheel = info["url"].rsplit("/", 1)[-1]
        if not wheel.endswith(".whl") or not ("win_amd64" in wheel or "-none-any" in wheel):
            print(f"{meta['name']}: no win_amd64 or pure wheel ({wheel})", file=sys.stderr)
            return 2
        digest = info["archive_info"]["hashes"]["sha256"]
        lines.append(f"{meta['name']}=={meta['version']} --hash=sha256:{digest}")
    header = (
        "# The Windows (win_amd64, CPython 3.11) packages for the bundle, resolved by the Windows\n"
        "# interpreter itself under Wine (pip on Linux evaluates the markers for Linux).\n"
        "# Regenerate: bash scripts/test-windows --resolve\n"
        f"# Python {env['python_full_version']} on {env['platform_system']} {env['platform_version']}\n"
    )
    with open(out_path, "w", encoding="utf-8", newline="\n") as f:
        f.write(header + "\n".join(sorted(lines, key=str.lower)) + "\n")
    print(f"{out_path}: {len(lines)} packages")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
