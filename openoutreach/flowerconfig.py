"""Flower's configuration file (`celery -A openoutreach flower --conf=openoutreach/flowerconfig.py`).

Flower executes this file at start. `basic_auth` is a one-item list (see flower_auth.py: never the
comma-split FLOWER_BASIC_AUTH); a password that basic auth cannot carry stops Flower with a clear
message instead of starting it open.
"""

import os
import sys

from openoutreach.flower_auth import FlowerAuthError, credential_from_env

try:
    basic_auth = [credential_from_env(os.environ)]
except FlowerAuthError as exc:
    sys.exit(f"Flower not started: {exc}")
