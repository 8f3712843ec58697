"""Staff accounts and API clients: the administrator's use cases.

The administrator's pages (`avert/web/pages/admin.py`, `admin_clients.py`) and the `avert user`
and `avert client` commands all call these. Every change is written to the audit log inside the
change's own transaction (both commit or neither): the caller hands in the writer (`audit`),
which knows who is acting. Disabling an account ends every one of its sessions in the same
transaction, so the person's next request is unsigned, and no change may leave the service
without an enabled administrator. Disabling an API client, or giving it a new secret, ends its
bearer tokens at once the same way. Passwords and client secrets are checked against a short
policy and stored only as argon2 hashes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from avert.domain.access import ROLE_CASELOAD, SCOPES, Caseload, Role
from avert.security import audit as audit_log
from avert.security.audit import Access
from avert.security.principal import Principal
from avert.security.secrets import hash_password
from avert.store.db import Database
from avert.store.schema import ApiClient, ApiToken, StaffMember, Team, User, UserSession


AuditWriter = Callable[[Session, Access], None]
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
RESERVED = frozenset({"new"})  # /admin/users/new and /admin/clients/new are the add forms
MIN_PASSWORD = 12
MAX_PASSWORD = 128
# A few of the passwords every attacker tries first (and this project's own demo password).
COMMON_PASSWORDS = frozenset(
    {
        "password1234",
        "passwordpassword",
        "123456789012",
        "qwertyuiop12",
        "letmeinletmein",
        "changemechangeme",
        "welcome12345",
        "demodemodemo",
    }
)


class NoSuchUser(Exception):
    """No account with that username."""


class UserExists(Exception):
    """An account with that username already exists."""


class LastAdministrator(Exception):
    """The change would leave no enabled administrator (nobody could manage accounts)."""

    def __init__(self, username: str) -> None:
        super().__init__(
            f"{username} is the last enabled administrator: make another account an "
            "administrator first"
        )
        self.username = username


def password_problem(password: str, username: str = "") -> str | None:
    """Why a password is not acceptable, or None: length, not the username, not a common one."""
    if len(password) < MIN_PASSWORD:
        return f"must be at least {MIN_PASSWORD} characters"
    if len(password) > MAX_PASSWORD:
        return f"must be at most {MAX_PASSWORD} characters"
    lowered = password.lower()
    if username and username.lower() in lowered:
        return "must not contain the username"
    if len(set(password)) < 4:
        return "must use more than three different characters"
    if lowered in COMMON_PASSWORDS:
        return "is one of the passwords attackers try first"
    return None


@dataclass(frozen=True)
class NewUser:
    username: str
    display_name: str
    role: Role
    organisation: str
    password: str
    team_id: str | None = None
    staff_id: str | None = None


@dataclass(frozen=True)
class Account:
    username: str
    display_name: str
    role: Role
    organisation: str
    team_id: str | None
    team_name: str | None
    staff_id: str | None
    staff_name: str | None
    disabled: bool
    created_at: datetime
    last_sign_in: datetime | None


def _check_links(session: Session, role: Role, team_id: str | None, staff_id: str | None) -> dict:
    problems = {}
    if role is Role.INTEGRATION_CLIENT:
        problems["role"] = "A system signs in as an API client, not as a member of staff"
    if team_id and session.get(Team, team_id) is None:
        problems["team_id"] = "Choose a team from the list"
    if ROLE_CASELOAD[role] is Caseload.TEAM and not team_id:
        problems["team_id"] = f"A {role.label.lower()} works in a team: choose one"
    if staff_id:
        member = session.get(StaffMember, staff_id)
        if member is None:
            problems["staff_id"] = "Choose a staff member from the list"
        elif team_id and member.team_id != team_id:
            problems["staff_id"] = "This staff member is in another team"
    return problems


class AccountProblems(Exception):
    """One or more fields are not acceptable: {field: message}."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(", ".join(problems))
        self.problems = problems


def add_user(database: Database, new: NewUser, *, now: datetime, audit: AuditWriter) -> None:
    """Create an account (AccountProblems naming each bad field; UserExists)."""
    username = new.username.strip().lower()
    problems: dict[str, str] = {}
    if not USERNAME.fullmatch(username):
        problems["username"] = "Use 2 to 64 lower-case letters, digits, dots, dashes or underscores"
    elif username in RESERVED:
        problems["username"] = f"{username} is reserved: choose another"
    if not new.display_name.strip():
        problems["display_name"] = "Enter the person's name"
    elif len(new.display_name.strip()) > 160:
        problems["display_name"] = "The name must be at most 160 characters"
    if not new.organisation.strip() or len(new.organisation.strip()) > 16:
        problems["organisation"] = "Enter the organisation's ODS code"
    if reason := password_problem(new.password, username):
        problems["password"] = f"The password {reason}"
    with database.writing() as session:
        problems.update(_check_links(session, new.role, new.team_id, new.staff_id))
        if problems:
            raise AccountProblems(problems)
        if session.get(User, username) is not None:
            raise UserExists()
        session.add(
            User(
                id=username,
                display_name=new.display_name.strip(),
                role=new.role.value,
                organisation=new.organisation.strip().upper(),
                team_id=new.team_id or None,
                staff_id=new.staff_id or None,
                password_hash=hash_password(new.password),
                disabled=False,
                created_at=now,
            )
        )
        session.flush()
        audit(session, Access("user_add", f"user/{username}/{new.role.value}", (), "administrator"))


def _keep_an_administrator(session: Session, username: str) -> None:
    """Refuse to demote or disable `username` if they are the only enabled administrator.

    The enabled administrators' rows are locked (FOR UPDATE on PostgreSQL; SQLite's writers are
    serialised by BEGIN IMMEDIATE), so two administrators demoting each other at the same moment
    cannot both succeed: the second sees the first's change and is refused.
    """
    enabled = session.execute(
        select(User.id)
        .where(User.role == Role.ADMINISTRATOR.value, User.disabled.is_(False))
        .order_by(User.id)
        .with_for_update()
    ).scalars()
    if list(enabled) == [username]:
        raise LastAdministrator(username)


def disable_user(database: Database, username: str, *, now: datetime, audit: AuditWriter) -> int:
    """Disable an account and end every one of its sessions at once; the number ended."""
    with database.writing() as session:
        if session.get(User, username) is None:
            raise NoSuchUser()
        _keep_an_administrator(session, username)
        session.execute(update(User).where(User.id == username).values(disabled=True))
        ended = session.execute(
            update(UserSession)
            .where(UserSession.user_id == username, UserSession.revoked_at.is_(None))
            .values(revoked_at=now)
        ).rowcount
        audit(session, Access("user_disable", f"user/{username}", (), "administrator"))
        return ended


def enable_user(database: Database, username: str, *, audit: AuditWriter) -> None:
    """Let a disabled account sign in again (its old sessions stay ended)."""
    with database.writing() as session:
        if session.get(User, username) is None:
            raise NoSuchUser()
        session.execute(update(User).where(User.id == username).values(disabled=False))
        audit(session, Access("user_enable", f"user/{username}", (), "administrator"))


def change_role(
    database: Database,
    username: str,
    role: Role,
    *,
    team_id: str | None,
    staff_id: str | None,
    audit: AuditWriter,
) -> None:
    """Give an account another role (and team and staff link); it applies from the next request."""
    with database.writing() as session:
        if session.get(User, username) is None:
            raise NoSuchUser()
        problems = _check_links(session, role, team_id, staff_id)
        if problems:
            raise AccountProblems(problems)
        if role is not Role.ADMINISTRATOR:
            _keep_an_administrator(session, username)
        session.execute(
            update(User)
            .where(User.id == username)
            .values(role=role.value, team_id=team_id or None, staff_id=staff_id or None)
        )
        audit(session, Access("user_role", f"user/{username}/{role.value}", (), "administrator"))


def _accounts(session: Session, where=None) -> list[Account]:
    last = (
        select(UserSession.user_id, func.max(UserSession.created_at).label("at"))
        .group_by(UserSession.user_id)
        .subquery()
    )
    query = (
        select(User, Team.name, StaffMember.name, last.c.at)
        .outerjoin(Team, Team.id == User.team_id)
        .outerjoin(StaffMember, StaffMember.id == User.staff_id)
        .outerjoin(last, last.c.user_id == User.id)
        .order_by(User.disabled, User.id)
    )
    if where is not None:
        query = query.where(where)
    return [
        Account(
            username=user.id,
            display_name=user.display_name,
            role=Role(user.role),
            organisation=user.organisation,
            team_id=user.team_id,
            team_name=team_name,
            staff_id=user.staff_id,
            staff_name=staff_name,
            disabled=user.disabled,
            created_at=user.created_at,
            last_sign_in=at,
        )
        for user, team_name, staff_name, at in session.execute(query)
    ]


def list_users(database: Database) -> list[Account]:
    """Every account, enabled ones first, with the time of its latest sign-in."""
    with database.reading() as session:
        return _accounts(session)


def get_user(database: Database, username: str) -> Account:
    with database.reading() as session:
        found = _accounts(session, User.id == username)
    if not found:
        raise NoSuchUser()
    return found[0]


def teams_and_staff(database: Database) -> tuple[list[Team], list[StaffMember]]:
    """The choices for an account's team and linked staff member."""
    with database.reading() as session:
        teams = list(session.execute(select(Team).order_by(Team.name)).scalars())
        staff = list(
            session.execute(
                select(StaffMember).order_by(StaffMember.team_id, StaffMember.name)
            ).scalars()
        )
    return teams, staff


# API clients: the systems that refer in (ambulance, telecare, NHS 111, GP) with OAuth2 client
# credentials. The id is what the system sends as client_id; its secret is stored as a hash.
MIN_CLIENT_SECRET = 16
MAX_CLIENT_SECRET = 128


class NoSuchClient(Exception):
    """No API client with that id."""


class ClientExists(Exception):
    """An API client with that id already exists."""


@dataclass(frozen=True)
class NewClient:
    client_id: str
    name: str
    organisation: str
    scopes: tuple[str, ...]
    secret: str


@dataclass(frozen=True)
class Client:
    client_id: str
    name: str
    organisation: str
    scopes: tuple[str, ...]
    disabled: bool
    last_token: datetime | None  # when it last got a bearer token


def secret_problem(secret: str) -> str | None:
    """Why a client secret is not acceptable, or None."""
    if not secret:
        return "Enter the client's secret"
    if len(secret) < MIN_CLIENT_SECRET:
        return f"The secret must be at least {MIN_CLIENT_SECRET} characters"
    if len(secret) > MAX_CLIENT_SECRET:
        return f"The secret must be at most {MAX_CLIENT_SECRET} characters"
    if len(set(secret)) < 4:
        return "The secret must use more than three different characters"
    return None


def scopes_problem(scopes: tuple[str, ...] | list[str]) -> str | None:
    """Why a list of scopes is not acceptable (none, or one Avert does not have), or None."""
    unknown = [scope for scope in scopes if scope not in SCOPES]
    if unknown:
        return f"Unknown scope {unknown[0]}: use " + ", ".join(SCOPES)
    if not scopes:
        return "Choose at least one scope"
    return None


def client_problems(new: NewClient) -> dict[str, str]:
    """What is wrong with a new client's fields ({field: message}; empty if nothing)."""
    client_id = new.client_id.strip().lower()
    problems: dict[str, str] = {}
    if not USERNAME.fullmatch(client_id):
        problems["client_id"] = (
            "Use 2 to 64 lower-case letters, digits, dots, dashes or underscores"
        )
    elif client_id in RESERVED:
        problems["client_id"] = f"{client_id} is reserved: choose another"
    if not new.name.strip():
        problems["name"] = "Enter the system's name"
    elif len(new.name.strip()) > 160:
        problems["name"] = "The name must be at most 160 characters"
    if not new.organisation.strip() or len(new.organisation.strip()) > 16:
        problems["organisation"] = "Enter the organisation's ODS code"
    if reason := scopes_problem(new.scopes):
        problems["scopes"] = reason
    if reason := secret_problem(new.secret):
        problems["secret"] = reason
    return problems


def add_client(database: Database, new: NewClient, *, audit: AuditWriter) -> None:
    """Register a system that refers in (AccountProblems naming each bad field; ClientExists)."""
    if problems := client_problems(new):
        raise AccountProblems(problems)
    client_id = new.client_id.strip().lower()
    scopes = sorted(set(new.scopes))
    with database.writing() as session:
        if session.get(ApiClient, client_id) is not None:
            raise ClientExists()
        session.add(
            ApiClient(
                id=client_id,
                name=new.name.strip(),
                organisation=new.organisation.strip().upper(),
                secret_hash=hash_password(new.secret),
                scopes=scopes,
                disabled=False,
            )
        )
        session.flush()
        resource = f"client/{client_id}/{' '.join(scopes)}"
        audit(session, Access("client_add", resource, (), "administrator"))


def _end_tokens(session: Session, client_id: str, now: datetime) -> int:
    """Expire every bearer token of the client that is still valid; how many there were."""
    return session.execute(
        update(ApiToken)
        .where(ApiToken.client_id == client_id, ApiToken.expires_at > now)
        .values(expires_at=now)
    ).rowcount


def disable_client(database: Database, client_id: str, *, now: datetime, audit: AuditWriter) -> int:
    """Refuse the client new tokens and end its current ones at once; the number ended."""
    with database.writing() as session:
        if session.get(ApiClient, client_id) is None:
            raise NoSuchClient()
        session.execute(update(ApiClient).where(ApiClient.id == client_id).values(disabled=True))
        ended = _end_tokens(session, client_id, now)
        audit(session, Access("client_disable", f"client/{client_id}", (), "administrator"))
        return ended


def enable_client(database: Database, client_id: str, *, audit: AuditWriter) -> None:
    """Let a disabled client get tokens again (the tokens it had stay ended)."""
    with database.writing() as session:
        if session.get(ApiClient, client_id) is None:
            raise NoSuchClient()
        session.execute(update(ApiClient).where(ApiClient.id == client_id).values(disabled=False))
        audit(session, Access("client_enable", f"client/{client_id}", (), "administrator"))


def change_client_secret(
    database: Database, client_id: str, secret: str, *, now: datetime, audit: AuditWriter
) -> int:
    """Give the client a new secret and end the tokens got with the old one; the number ended."""
    with database.writing() as session:
        if session.get(ApiClient, client_id) is None:
            raise NoSuchClient()
        if reason := secret_problem(secret):
            raise AccountProblems({"secret": reason})
        session.execute(
            update(ApiClient)
            .where(ApiClient.id == client_id)
            .values(secret_hash=hash_password(secret))
        )
        ended = _end_tokens(session, client_id, now)
        audit(session, Access("client_secret", f"client/{client_id}", (), "administrator"))
        return ended


def _clients(session: Session, where=None) -> list[Client]:
    last = (
        select(ApiToken.client_id, func.max(ApiToken.issued_at).label("at"))
        .group_by(ApiToken.client_id)
        .subquery()
    )
    query = (
        select(ApiClient, last.c.at)
        .outerjoin(last, last.c.client_id == ApiClient.id)
        .order_by(ApiClient.disabled, ApiClient.id)
    )
    if where is not None:
        query = query.where(where)
    return [
        Client(
            client_id=client.id,
            name=client.name,
            organisation=client.organisation,
            scopes=tuple(client.scopes),
            disabled=client.disabled,
            last_token=at,
        )
        for client, at in session.execute(query)
    ]


def list_clients(database: Database) -> list[Client]:
    """Every API client, enabled ones first, with when it last got a token (never its secret)."""
    with database.reading() as session:
        return _clients(session)


def get_client(database: Database, client_id: str) -> Client:
    with database.reading() as session:
        found = _clients(session, ApiClient.id == client_id)
    if not found:
        raise NoSuchClient()
    return found[0]


COMMAND_LINE = Principal(
    id="avert-cli",
    display_name="The avert command",
    role=Role.ADMINISTRATOR,
    organisation="-",
)


def command_line_audit(dialect: str, key: str, now: datetime) -> AuditWriter:
    """The audit writer for `avert user` and `avert client` (the actor is the command)."""

    def write(session: Session, access: Access) -> None:
        audit_log.append(session, dialect, key, COMMAND_LINE, access, now=now, request_id=None)

    return write
