"""Parse a saved Voyager profile response and print the parsed profile as JSON.

    python -m openoutreach.linkedin.voyager FILE.json [--public-id ID] [--base-url URL]

Operators use it to debug captured responses of either generation (REST `identity/dash/profiles` or
GraphQL `voyagerIdentityDashProfiles`). Exit status: 0 parsed, 1 no profile found in the response (the
JSON still shows the warnings), 2 unreadable file, invalid JSON or JSON nested too deeply to read.
Warnings go to stderr; stdout holds only the parsed profile.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from openoutreach.linkedin.voyager.parser import DEFAULT_BASE_URL, parse_profile


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m openoutreach.linkedin.voyager", description=__doc__.split("\n")[0]
    )
    parser.add_argument("file", help="a saved Voyager response (JSON), or - for stdin")
    parser.add_argument(
        "--public-id",
        help="the member's public id, profile URN or profile id (chooses among several profiles)",
    )
    parser.add_argument("--base-url", default=DEFAULT_BASE_URL, help="base of the printed profile URL")
    args = parser.parse_args(argv)
    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"error: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    try:
        data = json.loads(text)
    except ValueError as exc:
        print(f"error: {args.file} is not valid JSON: {exc}", file=sys.stderr)
        return 2
    except RecursionError:
        print(f"error: {args.file} is JSON nested too deeply to read", file=sys.stderr)
        return 2
    profile = parse_profile(data, args.public_id, base_url=args.base_url)
    json.dump(profile.to_dict(), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    for warning in profile.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if not profile.found:
        print("error: no member profile found in the response", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
