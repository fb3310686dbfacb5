"""Root conftest: registers the shared harness (private Redis, real processes, personas, sandbox)."""

import sys

# DjangoCRM ships a top-level `tests` package that its own views import (tests.utils.helpers). pytest's
# importlib mode registers a stand-in `tests` module for this folder (it has no __init__.py on purpose),
# which would shadow the CRM's: drop the stand-in and load the real package first.
_standin = sys.modules.pop("tests", None)
import tests.utils.helpers  # noqa: E402, F401

pytest_plugins = ["openoutreach.testing.fixtures", "openoutreach.sandbox.testing"]
