"""The `avert` command end to end: upgrade, generate, demo and serve, with clear user errors."""

import subprocess
import sys
import time

import httpx
import pytest
from sqlalchemy import func, select

from avert.bench.pgserver import free_port
from avert.cli.main import EXIT_CONFIG, EXIT_DATABASE, EXIT_INPUT, main
from avert.config import PLACEHOLDER_SECRET, Settings
from avert.store.db import Database
from avert.store.migrate import head_revision
from avert.store.schema import Person, Referral
from tests.factories import referral_body


def test_db_upgrade_reports_the_schema_reached(database_url, capsys):
    """`avert db upgrade` migrates an empty database and says where it got to."""
    assert main(["--database-url", database_url, "db", "upgrade"], {}) == 0
    assert f"empty -> {head_revision()}" in capsys.readouterr().out
    assert main(["--database-url", database_url, "db", "current"], {}) == 0
    assert capsys.readouterr().out.strip() == head_revision()


def test_generate_loads_an_area_once_and_refuses_a_second(database_url, capsys):
    """A synthetic area loads into an empty database; a second load is a user error."""
    args = ["--database-url", database_url, "generate", "--population", "3000", "--seed", "3"]
    assert main(args, {}) == 0
    assert "3,000 people" in capsys.readouterr().out
    database = Database.from_url(database_url)
    try:
        with database.reading() as session:
            assert session.execute(select(func.count()).select_from(Person)).scalar() == 3000
            assert session.execute(select(func.count()).select_from(Referral)).scalar() > 0
    finally:
        database.dispose()
    assert main(args, {}) == EXIT_INPUT
    assert "empty database" in capsys.readouterr().err


def test_a_bad_setting_is_a_configuration_error_without_a_traceback(capsys):
    """A wrong value names the variable and exits 10."""
    code = main(["db", "current"], {"AVERT_OUT_OF_HOURS_POLICY": "sometimes"})
    assert code == EXIT_CONFIG
    err = capsys.readouterr().err
    assert "AVERT_OUT_OF_HOURS_POLICY" in err and "Traceback" not in err


PRODUCTION = {"AVERT_MODE": "production", "AVERT_SECRET_KEY": "a real secret " * 3}


FIT = {**PRODUCTION, "AVERT_UCR_PHONE": "0116 496 0000"}
IN_MEMORY = "sqlite:///:memory:"
# one setting changed from FIT (None: unset)       refused with (None: the server goes on)
PRODUCTION_CHECKS = [
    ({"AVERT_UCR_PHONE": None},                      "AVERT_UCR_PHONE must be set"),  # default
    ({"AVERT_UCR_PHONE": ""},                        "AVERT_UCR_PHONE must be set"),
    ({"AVERT_UCR_PHONE": "01632 960000"},            "AVERT_UCR_PHONE must be set"),
    ({"AVERT_UCR_PHONE": "01632960000"},             "AVERT_UCR_PHONE must be set"),
    ({"AVERT_SECRET_KEY": None},                     "AVERT_SECRET_KEY must be set"),  # default
    ({"AVERT_SECRET_KEY": ""},                       "AVERT_SECRET_KEY must be set"),
    ({"AVERT_SECRET_KEY": PLACEHOLDER_SECRET},       "AVERT_SECRET_KEY must be set"),
    ({"AVERT_SECRET_KEY": "s3cret" * 5},             "AVERT_SECRET_KEY must be set"),  # 30 chars
    ({"AVERT_DATABASE_URL": IN_MEMORY},              "AVERT_DATABASE_URL cannot be an in-memory"),
    ({"AVERT_DATABASE_URL": "sqlite:///file::memory:?cache=shared"},
                                                     "AVERT_DATABASE_URL cannot be an in-memory"),
    ({"AVERT_DATABASE_URL": "sqlite://"},            "AVERT_DATABASE_URL cannot be an in-memory"),
    ({},                                             None),
]  # fmt: skip


@pytest.mark.parametrize(("change", "refused"), PRODUCTION_CHECKS)
def test_serve_in_production_refuses_settings_that_are_wrong_for_patients(
    tmp_path, capsys, change, refused
):
    """The placeholder secret, an in-memory database, the fictional UCR phone: exit 10, one line."""
    environ = {k: v for k, v in {**FIT, **change}.items() if v is not None}
    url = environ.pop("AVERT_DATABASE_URL", f"sqlite:///{tmp_path / 'never-upgraded.db'}")
    code = main(["--database-url", url, "serve"], environ)
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1, err
    if refused:
        assert code == EXIT_CONFIG
        assert err.startswith(f"avert: configuration: {refused}")
    else:
        assert code == EXIT_DATABASE and "configuration" not in err


def test_the_fictional_ucr_phone_number_is_fine_outside_production():
    """A demo or a development server keeps the drama number; only production refuses it."""
    Settings.from_environ({}).check_production()
    Settings.from_environ({"AVERT_MODE": "development"}).check_production()


def test_an_unreachable_database_is_reported_plainly(capsys):
    """No server at the URL: exit 11 and a sentence, not a stack trace."""
    url = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none"
    assert main(["--database-url", url, "db", "current"], {}) == EXIT_DATABASE
    assert "cannot reach the database" in capsys.readouterr().err


def test_serve_refuses_a_database_that_was_never_upgraded(tmp_path, capsys):
    """The server will not run on a database without Avert's schema."""
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    assert main(["--database-url", url, "serve"], {}) == EXIT_DATABASE
    assert "avert db upgrade" in capsys.readouterr().err


def test_serve_refuses_more_than_one_process_on_sqlite(tmp_path, capsys):
    """SQLite's writers queue inside one process: --workers 2 is refused with a sentence."""
    url = f"sqlite:///{tmp_path / 'avert.db'}"
    assert main(["--database-url", url, "db", "upgrade"], {}) == 0
    capsys.readouterr()
    assert main(["--database-url", url, "serve", "--workers", "2"], {}) == EXIT_CONFIG
    assert "use PostgreSQL for --workers above 1" in capsys.readouterr().err


def test_serve_refuses_no_processes(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'avert.db'}"
    assert main(["--database-url", url, "serve", "--workers", "0"], {}) == EXIT_INPUT
    assert "--workers must be at least 1" in capsys.readouterr().err


def test_the_demo_builds_a_database_and_serves_it_on_localhost(tmp_path):
    """`avert demo` creates, migrates and fills a database, then serves pages and API."""
    port = free_port()
    db_url = f"sqlite:///{tmp_path / 'demo.db'}"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "avert",
            "--database-url",
            db_url,
            "demo",
            "--population",
            "5000",
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, process.stdout.read()
            assert time.monotonic() < deadline, "the demo did not start within 60 s"
            time.sleep(0.2)
        assert httpx.get(f"{base}/api/queue").status_code == 401
        token = httpx.post(
            f"{base}/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "demo-nhs111",
                "client_secret": "demo-secret",
            },
        ).json()["access_token"]
        created = httpx.post(
            f"{base}/api/referrals",
            json=referral_body(),
            headers={"Authorization": f"Bearer {token}"},
        )
        assert created.status_code == 201
        page = httpx.get(f"{base}/board", follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"].startswith("/login")
        assert "Sign in to Avert" in httpx.get(f"{base}/login").text
        assert httpx.get(f"{base}/static/avert/build/nhsuk.css").status_code == 200
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}/" in output
    assert "demo-coordinator" in output and "password: demo" in output
