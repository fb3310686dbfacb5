"""Onboarding without a terminal: every answer from a flag or an environment variable, and ONE error
naming everything that is missing or invalid."""

from __future__ import annotations

import stat

import pytest
from dotenv import dotenv_values

from openoutreach.outreach.models import Campaign, LegalAcceptance, LinkedInAccount
from openoutreach.pipeline.campaigns import campaigns_of
from openoutreach.testing.fixtures import make_account

pytestmark = pytest.mark.slow

FULL_ENV = {
    "ACCEPT_LEGAL_NOTICE": "yes",
    "CAMPAIGN_NAME": "fintech",
    "PRODUCT_DOCS": "Ledgerly: reconciliation for payment teams.",
    "CAMPAIGN_OBJECTIVE": "Heads of finance operations at fintechs.",
    "LINKEDIN_EMAIL": "ops@example.com",
    "LINKEDIN_PASSWORD": "env-pass-123",
    "LLM_API_KEY": "sk-env-key",
    "CONNECT_DAILY_LIMIT": "12",
    "WORKING_HOURS": "22:00-06:00",
    "TIME_ZONE": "America/New_York",
}


def test_everything_from_environment_variables(manage, child_data_dir, child_decrypt):
    result = manage("onboard", **FULL_ENV)

    assert result.returncode == 0, result.stderr
    campaign = Campaign.objects.get()
    account = LinkedInAccount.objects.get()
    assert (campaign.name, campaign.booking_link) == ("fintech", "")
    assert campaign.product_docs == FULL_ENV["PRODUCT_DOCS"]
    assert (account.handle, account.username, account.connect_daily_limit) == ("ops", "ops@example.com", 12)
    assert account.connect_weekly_limit == 100  # the default, taken without asking
    assert (account.working_hours_start.hour, account.working_hours_end.hour) == (22, 6)
    assert list(campaigns_of(account)) == [campaign]
    assert child_decrypt(account.password_encrypted) == "env-pass-123"
    assert LegalAcceptance.objects.get().via == "environment"
    assert dotenv_values(child_data_dir / "openoutreach.env") == {
        "LLM_API_KEY": "sk-env-key",
        "AI_MODEL": "gpt-4o-mini",
    }
    assert "env-pass-123" not in result.stdout + result.stderr
    assert "sk-env-key" not in result.stdout + result.stderr


def test_flags_and_files(manage, tmp_path, child_data_dir, child_decrypt):
    docs, objective, password, key = (tmp_path / n for n in ("docs.md", "icp.md", "pw", "key"))
    docs.write_text("Line one of the product.\nLine two.\n")
    objective.write_text("CTOs of logistics companies.\n")
    password.write_text("file-pass 'quoted' \\ back\n")
    key.write_text("sk-from-file\n")

    result = manage(
        "onboard", "--accept-legal-notice", "--campaign-name", "logistics", "--product-docs", str(docs),
        "--campaign-objective", str(objective), "--booking-link", "https://cal.example.com/x",
        "--linkedin-email", "cto.hunter@example.com", "--linkedin-password-file", str(password),
        "--handle", "hunter", "--connect-weekly-limit", "80", "--time-zone", "Asia/Tokyo",
        "--llm-api-key-file", str(key), "--ai-model", "llama3", "--llm-api-base", "http://127.0.0.1:9/v1",
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    campaign = Campaign.objects.get(department__name="logistics")
    assert campaign.product_docs == "Line one of the product.\nLine two."
    account = LinkedInAccount.objects.get(handle="hunter")
    assert account.connect_weekly_limit == 80 and account.time_zone == "Asia/Tokyo"
    assert child_decrypt(account.password_encrypted) == "file-pass 'quoted' \\ back"
    env_file = child_data_dir / "openoutreach.env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert dotenv_values(env_file) == {
        "LLM_API_KEY": "sk-from-file",
        "AI_MODEL": "llama3",
        "LLM_API_BASE": "http://127.0.0.1:9/v1",
    }
    assert LegalAcceptance.objects.get().via == "flag"


def test_a_flag_wins_over_the_environment(manage):
    result = manage("onboard", "--campaign-name", "from-flag", **FULL_ENV)
    assert result.returncode == 0, result.stderr
    assert Campaign.objects.get().name == "from-flag"


def test_missing_values_are_named_in_one_message(manage):
    result = manage("onboard", CAMPAIGN_NAME="devops", LLM_API_KEY="sk-x")

    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for named in (
        "ACCEPT_LEGAL_NOTICE (--accept-legal-notice)",
        "PRODUCT_DOCS (--product-docs FILE)",
        "CAMPAIGN_OBJECTIVE (--campaign-objective FILE)",
        "LINKEDIN_EMAIL (--linkedin-email)",
        "LINKEDIN_PASSWORD (--linkedin-password-file FILE)",
    ):
        assert named in lines[0]
    assert "CAMPAIGN_NAME" not in lines[0] and "LLM_API_KEY" not in lines[0]
    assert not Campaign.objects.exists() and not LegalAcceptance.objects.exists()


def test_invalid_values_are_named_with_their_reasons(manage, tmp_path):
    result = manage(
        "onboard", "--product-docs", str(tmp_path / "nope.md"), "--followup-daily-limit", "lots",
        **{**FULL_ENV, "CONNECT_WEEKLY_LIMIT": "5", "TIME_ZONE": "Mars/Olympus", "LINKEDIN_EMAIL": "not-an-email"},
    )  # fmt: skip

    assert result.returncode == 2
    message = result.stderr
    assert "FOLLOWUP_DAILY_LIMIT from --followup-daily-limit: 'lots' is not a whole number" in message
    assert (
        "CONNECT_WEEKLY_LIMIT from $CONNECT_WEEKLY_LIMIT: must be at least the daily limit (12), got 5"
        in message
    )
    assert "TIME_ZONE from $TIME_ZONE: 'Mars/Olympus' is not an IANA time zone" in message
    assert "LINKEDIN_EMAIL from $LINKEDIN_EMAIL: 'not-an-email' is not an e-mail address" in message
    assert "PRODUCT_DOCS from --product-docs" in message and "cannot read" in message
    assert not Campaign.objects.exists() and not LinkedInAccount.objects.exists()


def test_a_declined_notice_configures_nothing(manage):
    result = manage("onboard", **{**FULL_ENV, "ACCEPT_LEGAL_NOTICE": "no"})
    assert result.returncode == 1
    assert "declined" in result.stderr and "nothing was configured" in result.stderr
    assert not Campaign.objects.exists() and not LegalAcceptance.objects.exists()


def test_more_campaigns_and_accounts_later_join_through_departments(manage, campaign):
    alice = make_account("alice", campaign)

    added = manage(
        "add_campaign", "--campaign-name", "fintech", "--accounts", "alice",
        PRODUCT_DOCS="Ledgerly.", CAMPAIGN_OBJECTIVE="Finance ops.",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    fintech = Campaign.objects.get(department__name="fintech")
    assert set(campaigns_of(alice)) == {campaign, fintech}

    refused = manage("add_account", "--campaigns", "devops, nosuch", ACCEPT_LEGAL_NOTICE="yes",
                     LINKEDIN_EMAIL="carol@example.com", LINKEDIN_PASSWORD="carol-pass")  # fmt: skip
    assert refused.returncode == 2 and "no campaign named 'nosuch'" in refused.stderr

    joined = manage("add_account", "--campaigns", "fintech", ACCEPT_LEGAL_NOTICE="yes",
                    LINKEDIN_EMAIL="carol@example.com", LINKEDIN_PASSWORD="carol-pass")  # fmt: skip
    assert joined.returncode == 0, joined.stderr
    assert list(campaigns_of(LinkedInAccount.objects.get(handle="carol"))) == [fintech]

    duplicate = manage("add_campaign", "--campaign-name", "FinTech", "--accounts", "-",
                       PRODUCT_DOCS="x", CAMPAIGN_OBJECTIVE="y")  # fmt: skip
    assert duplicate.returncode == 2 and "'FinTech' is already a campaign's name" in duplicate.stderr
