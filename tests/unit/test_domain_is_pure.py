"""`avert/domain` takes values and returns values: no database, web, clock or environment."""

import ast
from pathlib import Path

import avert.domain


DOMAIN = Path(avert.domain.__file__).parent
FORBIDDEN_MODULES = {
    "sqlalchemy",
    "fastapi",
    "starlette",
    "httpx",
    "requests",
    "os",
    "subprocess",
    "socket",
    "alembic",
    "psycopg",
    "jinja2",
    "uvicorn",
    "random",
    "time",
    "logging",
    "avert.store",
    "avert.web",
    "avert.services",
    "avert.cli",
    "avert.config",
    "avert.synth",
}
FORBIDDEN_CALLS = {"now", "utcnow", "today", "getenv", "open"}


def offences(source: str) -> list[str]:
    """Forbidden imports and calls in one module's source."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            if any(name == f or name.startswith(f + ".") for f in FORBIDDEN_MODULES):
                found.append(f"import {name}")
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in FORBIDDEN_CALLS:
                found.append(f"line {node.lineno}: {called}()")
    return found


def test_domain_modules_do_no_io_and_read_no_clock():
    """No domain module imports I/O or framework code, or calls now(), getenv() or open()."""
    found = {
        str(path.relative_to(DOMAIN)): offences(path.read_text())
        for path in sorted(DOMAIN.rglob("*.py"))
    }
    assert {module: bad for module, bad in found.items() if bad} == {}


def test_the_purity_check_catches_an_offender():
    """The scanner sees a forbidden import and a clock read, so the test above can fail."""
    source = "import sqlalchemy\nfrom datetime import datetime\nx = datetime.now()\n"
    assert offences(source) == ["import sqlalchemy", "line 3: now()"]
