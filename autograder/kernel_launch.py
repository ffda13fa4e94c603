"""Start the sandboxed kernel as an unprivileged user (run by root, in isolated mode).

argv: UID GID CONNECTION_FILE. Hands the connection file to the user, sets resource
limits (memory, processes, file size), drops every privilege, then replaces itself with
``python -m ipykernel_launcher``.
"""

import os
import resource
import sys

LIMITS = {
    resource.RLIMIT_AS: 4 * 1024**3,       # address space: a memory hog fails, not the grader
    resource.RLIMIT_NPROC: 256,            # processes and threads of this uid: no fork bomb
    resource.RLIMIT_FSIZE: 256 * 1024**2,  # largest file it may write
}

if __name__ == "__main__":
    uid, gid, connection_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    os.chown(connection_file, uid, gid, follow_symlinks=False)
    for limit, value in LIMITS.items():
        resource.setrlimit(limit, (value, value))
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
    if os.getuid() != uid or os.geteuid() != uid:
        sys.exit("could not drop privileges")
    os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", "-f", connection_file])
