"""Where a navigation lands decides the login outcome: feed, security checkpoint or login wall."""

from __future__ import annotations

import pytest

from openoutreach.linkedin.login import Credentials, is_checkpoint, is_feed, is_login_wall


@pytest.mark.parametrize(
    ("path", "feed", "checkpoint", "wall"),
    [
        ("/feed/", True, False, False),
        ("/feed", True, False, False),
        ("/feedback/", False, False, False),
        ("/checkpoint/challenge/AgH123", False, True, False),
        ("/checkpoint/challengesV2/abc", False, True, False),
        ("/checkpoint/lg/login-submit", False, False, True),
        ("/checkpoint/lg/sign-in-another-account", False, False, True),
        ("/login", False, False, True),
        ("/uas/login", False, False, True),
        ("/authwall", False, False, True),
        ("/in/jane/", False, False, False),
    ],
)
def test_landing_paths_are_classified(path, feed, checkpoint, wall):
    assert (is_feed(path), is_checkpoint(path), is_login_wall(path)) == (feed, checkpoint, wall)


def test_credentials_never_show_the_password():
    creds = Credentials("alice@sandbox.test", "s3cret-pass")

    assert "s3cret-pass" not in repr(creds) and "s3cret-pass" not in str(creds)
