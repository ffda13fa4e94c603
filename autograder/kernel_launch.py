"""Start the sandboxed kernel as an unprivileged user (run by root, in isolated mode).

argv: UID GID CONNECTION_FILE. Hands the connection file to the user, drops every
privilege, then replaces itself with ``python -m ipykernel_launcher``.
"""

import os
import sys

if __name__ == "__main__":
    uid, gid, connection_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    os.chown(connection_file, uid, gid)
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
    if os.getuid() != uid or os.geteuid() != uid:
        sys.exit("could not drop privileges")
    os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", "-f", connection_file])
