"""The `avert` command: demo, serve, db upgrade, generate and bench.

`main(argv, environ)` takes its environment as a parameter (tests need no monkeypatching). User
errors print one line without a traceback and exit with a code that says what kind of error it
was; anything unexpected keeps its traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from avert.config import ConfigError, Settings
from avert.domain.errors import ValidationError


EXIT_USAGE = 2
EXIT_CONFIG = 10
EXIT_DATABASE = 11
EXIT_INPUT = 12
EXIT_AUDIT = 13


class UserError(Exception):
    """A problem the person running the command can fix; printed without a traceback."""

    def __init__(self, message: str, exit_code: int = EXIT_INPUT) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="avert", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", help="overrides AVERT_DATABASE_URL (default sqlite:///var/avert.db)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser(
        "demo", help="create a fresh demo database with a synthetic area and serve it"
    )
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--population", type=int, default=50_000)
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--no-serve", action="store_true", help="build the demo database only")

    serve = commands.add_parser("serve", help="serve the API and pages on an existing database")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes (PostgreSQL only; one per core is usual, see docs/operations.md)",
    )

    db = commands.add_parser("db", help="database schema commands")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="SUBCOMMAND")
    db_commands.add_parser("upgrade", help="migrate the schema to this version of Avert")
    db_commands.add_parser("current", help="print the schema version of the database")

    generate = commands.add_parser(
        "generate", help="generate a synthetic area and load it into an empty database"
    )
    generate.add_argument("--population", type=int, default=50_000)
    generate.add_argument("--seed", type=int, default=1)
    generate.add_argument("--history-days", type=int, default=90)

    plan = commands.add_parser(
        "plan", help="plan a published benchmark instance and write the plan in its format"
    )
    plan.add_argument("format", choices=["hhcrsp", "vrptw"])
    plan.add_argument("instance", type=Path, help="HHCRSP JSON or VRPLIB file")
    plan.add_argument("--seconds", type=float, default=5.0, help="time budget")
    plan.add_argument("--seed", type=int, default=0)
    plan.add_argument("--out", type=Path, required=True, help="where to write the plan")

    audit = commands.add_parser("audit", help="the audit log")
    audit.add_argument("audit_command", choices=["verify"])

    user = commands.add_parser("user", help="manage staff accounts")
    user_commands = user.add_subparsers(dest="user_command", required=True, metavar="SUBCOMMAND")
    add = user_commands.add_parser("add", help="add a user; the password is read from stdin")
    add.add_argument("username")
    add.add_argument("--role", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--organisation", required=True, help="ODS code")
    add.add_argument("--team")
    add.add_argument("--staff")
    disable = user_commands.add_parser("disable", help="disable a user and end their sessions")
    disable.add_argument("username")
    enable = user_commands.add_parser("enable", help="let a disabled user sign in again")
    enable.add_argument("username")
    role = user_commands.add_parser("role", help="give a user another role")
    role.add_argument("username")
    role.add_argument("role")
    role.add_argument("--team", help="team id (default: keep the current one; '' for none)")
    role.add_argument("--staff", help="staff id (default: keep the current one; '' for none)")

    client = commands.add_parser("client", help="manage API clients (systems that refer in)")
    client_commands = client.add_subparsers(
        dest="client_command", required=True, metavar="SUBCOMMAND"
    )
    client_add = client_commands.add_parser(
        "add", help="add an API client; the secret is read from stdin"
    )
    client_add.add_argument("client_id")
    client_add.add_argument("--name", required=True)
    client_add.add_argument("--organisation", required=True, help="ODS code")
    client_add.add_argument(
        "--scope", action="append", default=[], help="a scope to grant (repeat for several)"
    )
    client_commands.add_parser("list", help="list API clients (never their secrets)")
    for name, help_text in (
        ("disable", "disable an API client and end its tokens"),
        ("enable", "let a disabled API client get tokens again"),
        ("secret", "give an API client a new secret from stdin; its tokens end"),
    ):
        client_commands.add_parser(name, help=help_text).add_argument("client_id")

    export = commands.add_parser("export", help="export data in a standard format")
    export.add_argument("what", choices=["patient"])
    export.add_argument("nhs_number", help="the person's NHS number")
    export.add_argument("--out", type=Path, help="file for the FHIR Bundle (default: print it)")

    import_ = commands.add_parser("import", help="import data in a standard format")
    import_.add_argument("format", choices=["fhir"])
    import_.add_argument("file", type=Path, help="a FHIR Bundle of Patients and ServiceRequests")

    simulate = commands.add_parser(
        "simulate", help="simulate the synthetic area's service, with what-if scenarios"
    )
    simulate.add_argument("--days", type=int, default=7, help="simulated days (1 to 366)")
    simulate.add_argument("--replications", type=int, default=10)
    simulate.add_argument("--seed", type=int, default=1)
    simulate.add_argument(
        "--scenario",
        action="append",
        default=[],
        metavar="NAME",
        help="a what-if to compare with the baseline: paramedic-16-20, 24-7, demand+20, "
        "demand-20 (repeat for several)",
    )
    simulate.add_argument("--population", type=int, default=50_000)
    simulate.add_argument("--policy", default="avert", help="avert or nearest_free")
    simulate.add_argument("--workers", type=int, help="processes (default: up to 2)")
    simulate.add_argument("--out", type=Path, help="write the results as JSON to this file")

    bench = commands.add_parser("bench", help="run a benchmark and write JSON results")
    bench.add_argument("suite", choices=["intake", "pages", "dispatch", "fhir", "simulate", "live"])
    bench.add_argument("--out", default="bench-results", help="folder for the JSON results")
    bench.add_argument("--quick", action="store_true", help="small sizes, to check it runs")
    bench.add_argument(
        "--postgres-url", help="also measure this PostgreSQL database (it is emptied first)"
    )
    return parser


def main(argv: Sequence[str], environ: Mapping[str, str]) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_environ(environ)
        if args.database_url:
            settings = Settings.from_environ({**environ, "AVERT_DATABASE_URL": args.database_url})
        return _run(args, settings, environ)
    except ConfigError as error:
        print(f"avert: configuration: {error}", file=sys.stderr)
        return EXIT_CONFIG
    except UserError as error:
        print(f"avert: {error}", file=sys.stderr)
        return error.exit_code
    except ValidationError as error:
        print(f"avert: {error.field}: {error.message}", file=sys.stderr)
        return EXIT_INPUT


def _run(args: argparse.Namespace, settings: Settings, environ: Mapping[str, str]) -> int:
    from avert.cli import commands

    if args.command == "db":
        return commands.db(args.db_command, settings)
    if args.command == "audit":
        return commands.audit_verify(settings)
    if args.command == "user":
        return commands.user_command(settings, args, sys.stdin)
    if args.command == "client":
        return commands.client_command(settings, args, sys.stdin)
    if args.command == "generate":
        return commands.generate(settings, args.population, args.seed, args.history_days)
    if args.command == "serve":
        return commands.serve(settings, args.host, args.port, args.workers)
    if args.command == "demo":
        return commands.demo(settings, args, datetime.now(UTC))
    if args.command == "plan":
        from avert.dispatch import cli as dispatch_cli

        if not args.instance.is_file():
            raise UserError(f"no such instance file: {args.instance}")
        planner = dispatch_cli.plan_hhcrsp if args.format == "hhcrsp" else dispatch_cli.plan_vrptw
        return planner(args.instance, seconds=args.seconds, seed=args.seed, out=args.out)
    if args.command in ("export", "import"):
        from avert.cli import commands

        if args.command == "export":
            return commands.export_patient(settings, args.nhs_number, args.out)
        return commands.import_fhir(settings, args.file)
    if args.command == "simulate":
        return commands.simulate(args)
    if args.command == "bench" and args.suite == "simulate":
        from avert.bench import simulate as simulate_bench

        return simulate_bench.run(Path(args.out), quick=args.quick)
    if args.command == "bench" and args.suite == "fhir":
        from avert.bench import fhir

        return fhir.run(Path(args.out), quick=args.quick)
    if args.command == "bench" and args.suite == "pages":
        from avert.bench import pages

        return pages.run(Path(args.out), quick=args.quick)
    if args.command == "bench" and args.suite == "dispatch":
        from avert.bench import dispatch

        return dispatch.run(Path(args.out), quick=args.quick)
    if args.command == "bench" and args.suite == "live":
        from avert.bench import live

        return live.run(Path(args.out), quick=args.quick)
    if args.command == "bench":
        from avert.bench import intake

        return intake.run(Path(args.out), quick=args.quick, postgres_url=args.postgres_url)
    raise AssertionError(args.command)


def entrypoint() -> None:
    sys.exit(main(sys.argv[1:], os.environ))
