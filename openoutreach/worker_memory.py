"""The memory of each browser worker: its Python process, the Playwright driver and every Chromium
process under it, summed. PSS (proportional set size) splits pages shared between processes among them,
so the PSS of several workers adds up to what they really use together; RSS counts shared pages in
every process and overstates the sum (both are printed)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import psutil

BROWSER_WORKER_MODULE = "workers.browser_process"
MB = 1024 * 1024


@dataclass(frozen=True)
class TreeMemory:
    pss: int  # bytes
    rss: int
    processes: int

    def __str__(self) -> str:
        return f"{self.pss / MB:.0f} MB PSS ({self.rss / MB:.0f} MB RSS, {self.processes} processes)"


def browser_workers(root_pid: int) -> dict[str, psutil.Process]:
    """account handle -> its browser worker process, among the descendants of `root_pid` (the
    supervisor)."""
    found = {}
    with contextlib.suppress(psutil.NoSuchProcess):
        for proc in psutil.Process(root_pid).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                argv = proc.cmdline()
                if BROWSER_WORKER_MODULE in argv and argv.index(BROWSER_WORKER_MODULE) + 1 < len(argv):
                    found[argv[argv.index(BROWSER_WORKER_MODULE) + 1]] = proc
    return found


def tree_memory(proc: psutil.Process) -> TreeMemory:
    """PSS and RSS of `proc` and all its descendants (processes that vanish meanwhile count as 0)."""
    pss = rss = count = 0
    try:
        members = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return TreeMemory(0, 0, 0)
    for member in members:
        with contextlib.suppress(psutil.Error):
            info = member.memory_full_info()
            pss += getattr(info, "pss", info.rss)  # PSS needs /proc/<pid>/smaps (Linux)
            rss += info.rss
            count += 1
    return TreeMemory(pss, rss, count)


def browser_worker_memory(root_pid: int) -> dict[str, TreeMemory]:
    """account handle -> the memory of its browser worker's whole tree."""
    return {handle: tree_memory(proc) for handle, proc in sorted(browser_workers(root_pid).items())}
