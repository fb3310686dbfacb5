"""`manage.py onboard` in a real pseudo-terminal: defaults, re-asked bad answers, a password that is
never echoed, multi-line text ended by Ctrl-D, the legal notice asked once, and clean exits."""

from __future__ import annotations

import stat
import sys
from datetime import time

import pexpect
import pytest
from django.utils import timezone
from dotenv import dotenv_values

from openoutreach.outreach.models import Campaign, LegalAcceptance, LinkedInAccount
from openoutreach.pipeline.campaigns import campaigns_of
from openoutreach.processes import PROJECT_DIR

pytestmark = pytest.mark.slow


@pytest.fixture
def spawn(child_env):
    children = []

    def start(*args: str) -> pexpect.spawn:
        child = pexpect.spawn(
            sys.executable, ["manage.py", *args], cwd=str(PROJECT_DIR), env=child_env, encoding="utf-8",
            timeout=60, dimensions=(50, 200),
        )  # fmt: skip
        children.append(child)
        return child

    yield start
    for child in children:
        child.close(force=True)


def answer(child: pexpect.spawn, prompt: str, text: str) -> None:
    child.expect_exact(prompt)
    child.sendline(text)


def test_a_person_onboards_in_a_terminal_and_bad_answers_are_reasked(spawn, child_data_dir, child_decrypt):
    child = spawn("onboard")
    child.expect_exact("LEGAL NOTICE")
    answer(child, "Do you accept this notice? (yes/no)", "maybe")
    child.expect_exact("answer yes or no, got 'maybe'")
    answer(child, "Do you accept this notice? (yes/no)", "yes")

    answer(child, "Campaign name: ", "")
    child.expect_exact("must not be empty")
    answer(child, "Campaign name: ", "devops")
    child.expect_exact("Product description: what it does and for whom (several lines")
    child.sendline("Kubeflow: managed CI/CD for Kubernetes teams.")
    child.sendline("Self-hosted or cloud.")
    child.sendeof()  # Ctrl-D on an empty line ends the text
    child.expect_exact("Campaign objective")
    child.sendline("Heads of platform engineering at SaaS companies.")
    child.sendeof()
    answer(child, "Booking link for the follow-up (empty for none): ", "cal.example.com/demo")
    child.expect_exact("is not a web address")
    answer(child, "Booking link for the follow-up (empty for none): ", "https://cal.example.com/demo")

    answer(child, "LinkedIn login e-mail: ", "jane.doe@example.com")
    child.expect_exact("LinkedIn password (not shown): ")
    child.sendline("hunter2-Secret!")
    child.expect_exact("Short name for this account (names its worker queue) [jane-doe]: ")
    assert "hunter2" not in child.before, "the password was echoed"
    child.sendline("")  # take the default
    answer(child, "Connection requests per day [20]: ", "twenty")
    child.expect_exact("'twenty' is not a whole number")
    answer(child, "Connection requests per day [20]: ", "25")
    answer(child, "Connection requests per week [100]: ", "10")
    child.expect_exact("must be at least the daily limit (25), got 10")
    answer(child, "Connection requests per week [100]: ", "120")
    answer(child, "Follow-up messages per day [30]: ", "")
    answer(child, "Working hours (the account acts only then) [09:00-17:00]: ", "8:30-18")
    answer(child, "Time zone of those hours [UTC]: ", "Mars/Olympus")
    child.expect_exact("'Mars/Olympus' is not an IANA time zone")
    answer(child, "Time zone of those hours [UTC]: ", "Europe/Berlin")
    answer(child, "New accounts ramp up over 2 weeks (yes/no) [no]: ", "")

    child.expect_exact("LLM API key (not shown): ")
    child.sendline("sk-live-0123456789")
    answer(child, "LLM model [gpt-4o-mini]: ", "")
    assert "sk-live" not in child.before
    answer(child, "LLM base URL (empty for OpenAI's own API): ", "http://llm.internal:8080/v1")
    child.expect_exact("Campaign 'devops' created")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before

    campaign = Campaign.objects.get()
    assert campaign.name == "devops"
    assert campaign.product_docs == "Kubeflow: managed CI/CD for Kubernetes teams.\nSelf-hosted or cloud."
    assert campaign.booking_link == "https://cal.example.com/demo"
    account = LinkedInAccount.objects.get()
    assert (account.handle, account.username) == ("jane-doe", "jane.doe@example.com")
    assert (account.connect_daily_limit, account.connect_weekly_limit, account.followup_daily_limit) == (
        25,
        120,
        30,
    )
    assert (account.working_hours_start, account.working_hours_end) == (time(8, 30), time(18, 0))
    assert account.time_zone == "Europe/Berlin"
    assert account.warmup_started_on == timezone.localdate(), (
        "a new account warms up from the day it is added"
    )
    assert list(campaigns_of(account)) == [campaign]
    assert "hunter2" not in account.password_encrypted
    assert child_decrypt(account.password_encrypted) == "hunter2-Secret!"

    env_file = child_data_dir / "openoutreach.env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert dotenv_values(env_file) == {
        "LLM_API_KEY": "sk-live-0123456789",
        "AI_MODEL": "gpt-4o-mini",
        "LLM_API_BASE": "http://llm.internal:8080/v1",
    }
    assert LegalAcceptance.objects.get().via == "terminal"


def test_the_legal_notice_is_asked_once_then_remembered(spawn, campaign):
    first = spawn("add_account")
    answer(first, "Do you accept this notice? (yes/no)", "yes")
    answer(first, "LinkedIn login e-mail: ", "bob@example.com")
    first.expect_exact("LinkedIn password (not shown): ")
    first.sendline("bob-password")
    for _ in range(7):  # handle, limits, hours, zone, already warm: defaults
        first.expect_exact("]: ")
        first.sendline("")
    answer(first, "Campaigns this account works for (comma-separated) [devops]: ", "")
    first.expect(pexpect.EOF)
    first.close()
    assert first.exitstatus == 0, first.before

    second = spawn("add_account")
    second.expect_exact("LinkedIn login e-mail: ")
    assert "LEGAL NOTICE" not in second.before
    second.sendline("bob@example.com")
    second.expect_exact("bob@example.com is already configured")
    second.close(force=True)
    assert list(campaigns_of(LinkedInAccount.objects.get(handle="bob"))) == [campaign]


def test_declining_the_legal_notice_exits_cleanly_and_configures_nothing(spawn):
    child = spawn("onboard")
    answer(child, "Do you accept this notice? (yes/no)", "no")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert "you declined the legal notice: nothing was configured" in child.before
    assert "Campaign name" not in child.before and "Traceback" not in child.before
    assert not Campaign.objects.exists() and not LegalAcceptance.objects.exists()


def test_ctrl_d_on_a_question_cancels_and_saves_nothing_but_the_accepted_notice(spawn):
    child = spawn("onboard")
    answer(child, "Do you accept this notice? (yes/no)", "yes")
    answer(child, "Campaign name: ", "devops")
    child.expect_exact("Product description")
    child.sendline("Something.")
    child.sendeof()
    child.expect_exact("Campaign objective")
    child.sendline("Someone.")
    child.sendeof()
    child.expect_exact("Booking link")
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert "Setup cancelled: nothing was saved." in child.before
    assert "Traceback" not in child.before
    assert not Campaign.objects.exists() and not LinkedInAccount.objects.exists()
    assert LegalAcceptance.objects.exists()


def test_make_run_onboards_first_when_nothing_is_configured(child_env):
    """The launcher's hook, in a real terminal: it offers setup; "no" means the sandbox demo runs."""
    probe = (
        "import django; django.setup(); "
        "from openoutreach.operator.first_run import onboard_if_unconfigured; "
        "print('GO ON:', onboard_if_unconfigured())"
    )
    child = pexpect.spawn(
        sys.executable, ["-c", probe], cwd=str(PROJECT_DIR), env=child_env, encoding="utf-8", timeout=60
    )
    answer(
        child,
        "Set up your campaign and LinkedIn account now? (no = run the sandbox demo instead) [yes]: ",
        "",
    )
    answer(child, "Do you accept this notice? (yes/no)", "no")
    child.expect_exact("nothing was configured, nothing was started")
    child.expect_exact("GO ON: False")
    child.close()

    child = pexpect.spawn(
        sys.executable, ["-c", probe], cwd=str(PROJECT_DIR), env=child_env, encoding="utf-8", timeout=60
    )
    answer(child, "Set up your campaign and LinkedIn account now?", "no")
    child.expect_exact("GO ON: True")
    child.close()
