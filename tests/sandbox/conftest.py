"""Sandbox fixtures (until the root conftest registers openoutreach.sandbox.testing as a plugin)."""

from openoutreach.sandbox.testing import sandbox, sandbox_server  # noqa: F401
