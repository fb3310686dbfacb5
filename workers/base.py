"""Shared machinery of the worker task modules: worker identity and the browser-account guard."""

from __future__ import annotations

import os
import socket

from celery import Task

from workers.queues import BROWSER_PREFIX

ACCOUNT_ENV = "OPENOUTREACH_ACCOUNT"


class WrongWorker(RuntimeError):
    """A browser task reached a worker that does not own its account: refuse to touch the browser."""


def identity(task: Task) -> dict:
    delivery = task.request.delivery_info or {}
    return {
        "hostname": task.request.hostname or socket.gethostname(),
        "queue": delivery.get("routing_key", ""),
        "pid": os.getpid(),
        "account": os.environ.get(ACCOUNT_ENV, ""),
    }


class BrowserTask(Task):
    """Base of every `browser.*` task: it runs only on the worker of the account it names.

    Routing already sends it to `browser.<account>`; this is the second lock on the door, for a task
    published by hand to a wrong queue or a worker started with the wrong -Q.
    """

    def __call__(self, *args, **kwargs):
        account = kwargs.get("account")
        mine = os.environ.get(ACCOUNT_ENV)
        queue = (self.request.delivery_info or {}).get("routing_key", "")
        if not self.request.called_directly and (
            (mine and account != mine)
            or (queue.startswith(BROWSER_PREFIX) and queue != f"{BROWSER_PREFIX}{account}")
        ):
            raise WrongWorker(f"{self.name} for account {account!r} reached worker of {mine or queue!r}")
        return super().__call__(*args, **kwargs)
