"""Voyager, LinkedIn's internal JSON API: a client that calls it from the logged-in page, and a pure parser.

`python -m openoutreach.linkedin.voyager FILE.json [--public-id ID]` parses a saved response.
"""

from __future__ import annotations

from openoutreach.linkedin.voyager.client import (
    GRAPHQL,
    REST,
    VoyagerClient,
    VoyagerProfile,
    graphql_profile_path,
    profile_path,
)
from openoutreach.linkedin.voyager.parser import Education, ParsedProfile, Position, parse_profile

__all__ = [
    "GRAPHQL",
    "REST",
    "graphql_profile_path",
    "Education",
    "ParsedProfile",
    "Position",
    "VoyagerClient",
    "VoyagerProfile",
    "parse_profile",
    "profile_path",
]
