"""PyInstaller entry for the `enamel-hub` executable (the practice hub's server).

`enamel-hub serve --data-dir DIR` runs it in the foreground (systemd's unit does that). The
Windows service control manager starts it as `enamel-hub --windows-service serve ...`: the
program then speaks the service protocol (app/windows_service.py) around the same server.
"""

import sys

from app.hub import run

if len(sys.argv) > 1 and sys.argv[1] == "--windows-service":
    from app.windows_service import run_as_service

    del sys.argv[1]
    sys.exit(run_as_service("EnamelHub", run))
run()
