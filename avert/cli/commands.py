"""What each `avert` command does, as plain functions the CLI calls."""

from __future__ import annotations

import argparse
import os
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from avert.cli.main import EXIT_AUDIT, EXIT_CONFIG, EXIT_DATABASE, UserError
from avert.config import Settings
from avert.services.area import AreaNotEmpty, load_area
from avert.store import migrate
from avert.store.db import Database, UnsafeDatabaseError, check_durability


def _database(settings: Settings) -> Database:
    database = Database.from_url(settings.database_url)
    try:
        check_durability(database.engine)
    except UnsafeDatabaseError as error:
        raise UserError(str(error), EXIT_DATABASE) from None
    except OperationalError:
        raise UserError(
            "cannot reach the database; check AVERT_DATABASE_URL", EXIT_DATABASE
        ) from None
    return database


def db(subcommand: str, settings: Settings) -> int:
    database = _database(settings)
    if subcommand == "upgrade":
        before = migrate.current_revision(database)
        after = migrate.upgrade(database)
        print(f"schema {before or 'empty'} -> {after}")
    else:
        print(migrate.current_revision(database) or "empty")
    return 0


def generate(settings: Settings, population: int, seed: int, history_days: int) -> int:
    from avert.synth import generate_area

    if population < 1:
        raise UserError("--population must be at least 1")
    database = _database(settings)
    migrate.upgrade(database)
    started = time.perf_counter()
    area = generate_area(
        seed=seed, population=population, now=datetime.now(UTC), history_days=history_days
    )
    generated = time.perf_counter()
    try:
        report = load_area(database, settings, area)
    except AreaNotEmpty as error:
        raise UserError(f"{error} (use a new database file, or `avert demo`)") from None
    print(
        f"area '{area.name}': {report.people:,} people, {report.staff} staff, "
        f"{report.referrals:,} referrals ({report.open_referrals} open), "
        f"{report.events:,} events; generated in {generated - started:.1f}s, "
        f"loaded in {time.perf_counter() - generated:.1f}s"
    )
    return 0


def serve(settings: Settings, host: str, port: int, workers: int = 1) -> int:
    import uvicorn

    from avert.security.sessions import demo_accounts_present
    from avert.web.asgi import serving_app

    if workers < 1:
        raise UserError("--workers must be at least 1")
    settings.check_production()
    database = _database(settings)
    if workers > 1 and database.dialect == "sqlite":
        raise UserError(
            "SQLite is served by one process (its writers queue in it): use PostgreSQL for "
            "--workers above 1",
            EXIT_CONFIG,
        )
    try:
        migrate.require_current(database)
    except migrate.SchemaVersionError as error:
        raise UserError(str(error), EXIT_DATABASE) from None
    if settings.mode == "production" and demo_accounts_present(database):
        raise UserError(
            "refusing to run in production with demo accounts (demo-*) in the database",
            EXIT_CONFIG,
        )
    print(
        f"Avert is serving on http://{host}:{port}/  (OpenAPI: http://{host}:{port}/openapi.json)"
        + (f" in {workers} processes" if workers > 1 else "")
    )
    if workers == 1:
        uvicorn.run(serving_app(database, settings), host=host, port=port, log_level="warning")
        return 0
    database.dispose()
    os.environ["AVERT_DATABASE_URL"] = settings.database_url  # --database-url, for the workers
    uvicorn.run(
        "avert.web.asgi:app",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="warning",
    )
    return 0


def demo(settings: Settings, args: argparse.Namespace, now: datetime) -> int:
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite" or settings.database_url == "sqlite:///var/avert.db":
        settings = Settings(**{**settings.__dict__, "database_url": "sqlite:///var/demo.db"})
        url = make_url(settings.database_url)
    path = Path(url.database)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    if settings.mode == "production":
        raise UserError("`avert demo` is for development: unset AVERT_MODE=production", EXIT_CONFIG)
    print(f"Building the demo area ({args.population:,} people) in {path} ...")
    generate(settings, args.population, args.seed, history_days=90)
    from avert.services.demo import DEMO_CLIENT_SECRET, DEMO_PASSWORD, create_demo_accounts

    accounts = create_demo_accounts(Database.from_url(settings.database_url), now=now)
    print(f"\nSign in with one of these demo users (password: {DEMO_PASSWORD}):")
    for account in accounts:
        note = f" - {account.note}" if account.note else ""
        print(f"  {account.username:22} {account.role.label}{note}")
    print(
        f"API client: demo-nhs111 / {DEMO_CLIENT_SECRET} "
        "(POST /oauth/token with grant_type=client_credentials)\n"
    )
    if args.no_serve:
        return 0
    return serve(settings, args.host, args.port)


def export_patient(settings: Settings, nhs_number: str, out: Path | None) -> int:
    from avert.services import fhir_io

    database = _database(settings)
    migrate.require_current(database)
    return fhir_io.export_patient_cli(database, settings, nhs_number, out)


def import_fhir(settings: Settings, path: Path) -> int:
    from avert.services import fhir_io

    if not path.is_file():
        raise UserError(f"no such file: {path}")
    database = _database(settings)
    migrate.upgrade(database)
    return fhir_io.import_bundle_cli(database, settings, path)


def audit_verify(settings: Settings) -> int:
    from avert.security.audit import verify

    database = _database(settings)
    report = verify(database, settings.secret_key)
    if report.ok:
        print(f"audit log intact: {report.entries:,} entries, hash chain verified")
        return 0
    print(f"AUDIT LOG TAMPERED: {len(report.problems)} problem(s) in {report.entries:,} entries")
    for problem in report.problems:
        print(f"  {problem}")
    return EXIT_AUDIT


def user_command(settings: Settings, args: argparse.Namespace, stdin) -> int:
    from avert.domain.access import Role
    from avert.services import accounts

    database = _database(settings)
    migrate.require_current(database)
    now = datetime.now(UTC)
    audit = accounts.command_line_audit(database.dialect, settings.secret_key, now)
    if args.user_command == "disable":
        try:
            ended = accounts.disable_user(database, args.username.lower(), now=now, audit=audit)
        except accounts.NoSuchUser:
            raise UserError(f"there is no user {args.username}") from None
        except accounts.LastAdministrator as error:
            raise UserError(str(error)) from None
        print(f"{args.username} disabled; {ended} session(s) ended")
        return 0
    if args.user_command == "enable":
        try:
            accounts.enable_user(database, args.username.lower(), audit=audit)
        except accounts.NoSuchUser:
            raise UserError(f"there is no user {args.username}") from None
        print(f"{args.username} enabled: they can sign in again")
        return 0
    if args.user_command == "role":
        return _change_role(database, args, audit)
    password = stdin.readline().rstrip("\n")
    try:
        role = Role(args.role)
    except ValueError:
        raise UserError("--role must be one of: " + ", ".join(r.value for r in Role)) from None
    new = accounts.NewUser(
        username=args.username,
        display_name=args.name,
        role=role,
        organisation=args.organisation,
        password=password,
        team_id=args.team,
        staff_id=args.staff,
    )
    try:
        accounts.add_user(database, new, now=now, audit=audit)
    except accounts.UserExists:
        raise UserError(f"there is already a user {args.username}") from None
    except accounts.AccountProblems as error:
        raise UserError("; ".join(f"{k}: {m}" for k, m in error.problems.items())) from None
    print(f"{args.username} added as {role.label}")
    return 0


def _change_role(database: Database, args: argparse.Namespace, audit) -> int:
    """`avert user role`: as the account page does; --team/--staff kept unless given."""
    from avert.domain.access import Role
    from avert.services import accounts

    staff_roles = [r.value for r in Role if r is not Role.INTEGRATION_CLIENT]
    if args.role not in staff_roles:
        raise UserError("ROLE must be one of: " + ", ".join(staff_roles))
    role = Role(args.role)
    username = args.username.lower()
    try:
        account = accounts.get_user(database, username)
        team_id = account.team_id if args.team is None else args.team.strip() or None
        staff_id = account.staff_id if args.staff is None else args.staff.strip() or None
        accounts.change_role(
            database, username, role, team_id=team_id, staff_id=staff_id, audit=audit
        )
    except accounts.NoSuchUser:
        raise UserError(f"there is no user {args.username}") from None
    except accounts.AccountProblems as error:
        raise UserError("; ".join(f"{k}: {m}" for k, m in error.problems.items())) from None
    except accounts.LastAdministrator as error:
        raise UserError(str(error)) from None
    links = ", ".join(f"{k} {v}" for k, v in (("team", team_id), ("staff", staff_id)) if v)
    print(
        f"{args.username} is now {role.label}{f' ({links})' if links else ''}; "
        "it applies from their next request"
    )
    return 0


def client_command(settings: Settings, args: argparse.Namespace, stdin) -> int:
    """`avert client add|list|disable|enable|secret`: as the `/admin/clients` page does."""
    from avert.services import accounts

    database = _database(settings)
    migrate.require_current(database)
    now = datetime.now(UTC)
    audit = accounts.command_line_audit(database.dialect, settings.secret_key, now)
    if args.client_command == "list":
        print("CLIENT ID\tNAME\tORGANISATION\tSCOPES\tSTATUS")
        for client in accounts.list_clients(database):
            status = "disabled" if client.disabled else "enabled"
            scopes = " ".join(client.scopes)
            print(f"{client.client_id}\t{client.name}\t{client.organisation}\t{scopes}\t{status}")
        return 0
    client_id = args.client_id.strip().lower()
    try:
        if args.client_command == "add":
            new = accounts.NewClient(
                client_id=client_id,
                name=args.name,
                organisation=args.organisation,
                scopes=tuple(args.scope),
                secret=stdin.readline().rstrip("\n"),
            )
            accounts.add_client(database, new, audit=audit)
            print(f"{client_id} added with {', '.join(sorted(set(args.scope)))}")
        elif args.client_command == "disable":
            ended = accounts.disable_client(database, client_id, now=now, audit=audit)
            print(f"{client_id} disabled; {ended} token(s) ended")
        elif args.client_command == "enable":
            accounts.enable_client(database, client_id, audit=audit)
            print(f"{client_id} enabled: it can get tokens again")
        else:
            secret = stdin.readline().rstrip("\n")
            ended = accounts.change_client_secret(database, client_id, secret, now=now, audit=audit)
            print(f"{client_id} has a new secret; {ended} token(s) ended")
    except accounts.NoSuchClient:
        raise UserError(f"there is no API client {args.client_id}") from None
    except accounts.ClientExists:
        raise UserError(f"there is already an API client {client_id}") from None
    except accounts.AccountProblems as error:
        raise UserError("; ".join(f"{k}: {m}" for k, m in error.problems.items())) from None
    return 0


def simulate(args: argparse.Namespace) -> int:
    """`avert simulate`: no database; the synthetic area's service (docs/simulation.md)."""
    from avert.sim.cli import simulate_command

    return simulate_command(
        days=args.days,
        replications=args.replications,
        seed=args.seed,
        scenarios=args.scenario,
        population=args.population,
        policy=args.policy,
        out=args.out,
        workers=args.workers,
    )
