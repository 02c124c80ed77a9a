"""Whether ``make run`` can listen on a TCP port, and when it cannot, which process holds it."""

import errno
import socket
from pathlib import Path

PROC = Path("/proc")
LISTEN = "0A"  # a socket's state in /proc/net/tcp


def port_problem(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be listened on, or None when it can."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        # As the servers bind: a closed connection's TIME_WAIT does not hold the port, a listener does.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} is in use by {port_holder(port)}"
            return f"{host}:{port} cannot be listened on: {exc.strerror}"
    return None


def port_holder(port: int) -> str:
    """The process listening on ``port``, as its pid and command line, from Linux's /proc."""
    inodes = listening_socket_inodes(port)
    for fd_dir in PROC.glob("[0-9]*/fd"):
        try:
            if any(fd.readlink().name in inodes for fd in fd_dir.iterdir()):
                command = (fd_dir.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                return f"pid {fd_dir.parent.name} ({command.strip()})"
        except OSError:  # another user's process, or one that just ended
            continue
    return "another process (one this user may not see)"


def listening_socket_inodes(port: int) -> set[str]:
    """The listening sockets on ``port``, as their fds' link names, ``socket:[<inode>]``."""
    inodes = set()
    for table in (PROC / "net" / "tcp", PROC / "net" / "tcp6"):
        if not table.exists():
            continue
        for line in table.read_text().splitlines()[1:]:
            fields = line.split()
            local_port, state, inode = int(fields[1].rsplit(":", 1)[1], 16), fields[3], fields[9]
            if local_port == port and state == LISTEN:
                inodes.add(f"socket:[{inode}]")
    return inodes
