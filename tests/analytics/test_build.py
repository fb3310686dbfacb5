"""Building the analytics file: publish only good builds, refuse what cannot work with a clear message,
keep secrets out of the generated profile, and `manage.py run_analytics` end to end."""

from __future__ import annotations

import io
import sqlite3

import duckdb
import pytest
import yaml
from django.core.management import call_command

from openoutreach.reporting.marts import MARTS, read_mart
from openoutreach.reporting.runner import AnalyticsBusy, AnalyticsPaths, _exclusive, build
from openoutreach.reporting.source import AnalyticsSetupError, CrmSource, dbt_vars, extension_file, profile


@pytest.mark.django_db(transaction=True)
def test_a_failed_build_keeps_the_last_good_file(scenario, build_analytics, tmp_path):
    from openoutreach.outreach.models import DealState

    last_good = tmp_path / "analytics.duckdb"
    with duckdb.connect(str(last_good)) as con:
        con.execute("create schema marts; create table marts.campaign_funnel as select 'last good' as note")
    # a bug elsewhere wrote a deal state that disagrees with the CRM stage
    DealState.objects.filter(state="New").update(state="Pending")

    result = build_analytics()

    assert not result.success
    assert ("deal_state_matches_crm_stage", "fail") in [(n.name, n.status) for n in result.problems]
    assert "FAILED" in result.summary() and "deal_state_matches_crm_stage" in result.summary()
    with duckdb.connect(str(last_good), read_only=True) as con:
        assert con.execute("select note from marts.campaign_funnel").fetchall() == [("last good",)]


def test_a_missing_crm_database_is_named(tmp_path):
    source = CrmSource.from_django(
        {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "nope.sqlite3")}
    )
    with pytest.raises(AnalyticsSetupError, match=r"nope\.sqlite3 does not exist yet: run `make setup`"):
        build(source, AnalyticsPaths(analytics_db=tmp_path / "a.duckdb", work_dir=tmp_path / "work"))


def test_a_second_build_at_the_same_time_is_refused(tmp_path):
    crm = tmp_path / "crm.sqlite3"
    sqlite3.connect(crm).close()
    paths = AnalyticsPaths(analytics_db=tmp_path / "a.duckdb", work_dir=tmp_path / "work")
    with (
        _exclusive(paths.work_dir / "build.lock"),
        pytest.raises(AnalyticsBusy, match="another analytics build"),
    ):
        build(CrmSource("sqlite", str(crm)), paths)
    assert not paths.analytics_db.exists()


def test_a_missing_extension_package_says_what_to_install():
    with pytest.raises(
        AnalyticsSetupError, match=rf"pip install duckdb-extension-nowhere-scanner=={duckdb.__version__}"
    ):
        extension_file("nowhere_scanner")
    assert extension_file("sqlite_scanner").is_file()


def test_the_profile_attaches_the_crm_read_only_with_no_secret_in_it(tmp_path):
    source = CrmSource.from_django(
        {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "crm",
            "USER": "openoutreach",
            "PASSWORD": "pg-S3cret!",
            "HOST": "postgres",
            "PORT": 5432,
        }
    )
    assert source.location == "dbname=crm user=openoutreach host=postgres port=5432"
    assert "pg-S3cret" not in repr(source)
    text = yaml.safe_dump(profile(source, tmp_path / "build.duckdb", tmp_path / "ext"))
    assert "pg-S3cret" not in text
    target = yaml.safe_load(text)["openoutreach"]["outputs"]["analytics"]
    assert target["attach"] == [
        {"path": source.location, "type": "postgres", "alias": "crm", "read_only": True}
    ]
    # under config_options (applied before the ATTACH), never under settings (applied after it)
    assert target["config_options"]["extension_directory"] == str(tmp_path / "ext")
    assert target["config_options"]["autoinstall_known_extensions"] is False
    assert "settings" not in target
    assert dbt_vars(source) == {"crm_schema": "public", "crm_type": "postgres"}
    with pytest.raises(AnalyticsSetupError, match="SQLite or PostgreSQL"):
        CrmSource.from_django({"ENGINE": "django.db.backends.mysql", "NAME": "crm"})


@pytest.mark.django_db(transaction=True)
def test_run_analytics_command_builds_and_prints_the_funnel(scenario, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.ANALYTICS_DB = tmp_path / "analytics.duckdb"
    out = io.StringIO()

    call_command("run_analytics", stdout=out)

    output = out.getvalue()
    assert "analytics built in" in output and "17 tables" in output
    devops = next(
        r for r in read_mart(settings.ANALYTICS_DB, "campaign_funnel") if r["campaign_name"] == "devops"
    )
    line = next(line for line in output.splitlines() if line.strip().startswith("devops"))
    assert line.split()[1:] == [str(devops[s]) for s in ("discovered", "enriched", "qualified", "disqualified",
                                                         "pending", "connected", "completed", "replied", "failed")]  # fmt: skip
    # the published file is tables only: it reads without the CRM attached (no view points into `crm`)
    with duckdb.connect(str(settings.ANALYTICS_DB), read_only=True) as con:
        kinds = con.execute("select distinct table_type from information_schema.tables").fetchall()
        assert kinds == [("BASE TABLE",)]
        for mart in MARTS:
            con.execute(f"select * from marts.{mart}").fetchall()
    assert not (tmp_path / "analytics" / "build.duckdb").exists()
    assert (tmp_path / "analytics" / "logs" / "dbt.log").is_file()


def test_run_analytics_refuses_to_write_the_embeddings_file(settings, tmp_path):
    from django.core.management.base import CommandError

    settings.ANALYTICS_DB = settings.EMBEDDINGS_DB = tmp_path / "embeddings.duckdb"
    with pytest.raises(CommandError, match="embeddings"):
        call_command("run_analytics")
    assert not (tmp_path / "embeddings.duckdb").exists()
