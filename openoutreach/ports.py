"""Busy ports, said plainly: which port, which process holds it, and that a previous run may be alive.

A start that finds its port taken stops before starting anything, with `PortBusy` naming every busy
port, instead of a child's traceback or a wait that never ends. The holder comes from the kernel's socket
table (psutil reads /proc/net/tcp and matches socket inodes in /proc/<pid>/fd); a socket of another
user's process is reported without its owner when we may not look.
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Mapping

import psutil


class PortBusy(RuntimeError):
    """One or more ports a command needs are taken."""


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers bind: TIME_WAIT is not busy
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def holder(port: int) -> str | None:
    """'pid 123 (redis-server 127.0.0.1:6390, started 15:02:11)' for the listener on `port`, if visible."""
    try:
        connections = psutil.net_connections(kind="inet")
    except psutil.Error:
        return None
    for conn in connections:
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port:
            if conn.pid is None:
                return "a process this user may not inspect"
            with contextlib.suppress(psutil.Error):
                proc = psutil.Process(conn.pid)
                command = (" ".join(proc.cmdline()[:6]) or proc.name())[:120]
                started = time.strftime("%H:%M:%S", time.localtime(proc.create_time()))
                return f"pid {conn.pid} ({command}, started {started})"
            return f"pid {conn.pid}"
    return None


def describe_busy(port: int, what: str) -> str:
    held = holder(port)
    return f"port {port} ({what}) is busy" + (f": held by {held}" if held else "")


def ensure_free(ports: Mapping[str, int], hint: str = "") -> None:
    """Raise PortBusy naming each busy port (and its holder) among `ports` ({what: port})."""
    busy = [describe_busy(port, what) for what, port in ports.items() if not port_is_free(port)]
    if busy:
        raise PortBusy(
            "cannot start: "
            + "; ".join(busy)
            + ". A previous run may still be alive: stop it (or the process named), "
            + (hint or "or choose other ports")
            + "."
        )


def pick_port(preferred: int, what: str) -> tuple[int, str | None]:
    """`preferred` when free, else a free port and a note saying why it moved."""
    if port_is_free(preferred):
        return preferred, None
    port = free_port()
    return port, f"{describe_busy(preferred, what)}; using {port} instead"
