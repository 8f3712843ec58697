"""Staff sign-in and browser sessions; API clients' OAuth2 client-credentials tokens.

Session cookies are `__Host-` prefixed, Secure, HttpOnly and SameSite=Lax; a session ends after
15 minutes idle or 12 hours in all (configurable), and disabling an account ends all of its
sessions at once. Only hashes of tokens and argon2 hashes of passwords are stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from avert.config import Settings
from avert.domain.access import SCOPES, Role
from avert.security.principal import Principal
from avert.security.secrets import hash_password, new_token, token_hash, verify_password
from avert.store.db import Database
from avert.store.schema import ApiClient, ApiToken, User, UserSession


SESSION_COOKIE = "__Host-avert_session"
TOKEN_LIFETIME = timedelta(hours=1)


class SignInFailed(Exception):
    """Wrong username or password, or a disabled account (the message never says which)."""


@dataclass(frozen=True)
class NewSession:
    token: str
    csrf_token: str
    expires_at: datetime


def create_user(
    database: Database,
    *,
    user_id: str,
    display_name: str,
    role: Role,
    organisation: str,
    password: str,
    now: datetime,
    team_id: str | None = None,
    staff_id: str | None = None,
) -> None:
    with database.writing() as session:
        session.add(
            User(
                id=user_id,
                display_name=display_name,
                role=role.value,
                organisation=organisation,
                team_id=team_id,
                staff_id=staff_id,
                password_hash=hash_password(password),
                disabled=False,
                created_at=now,
            )
        )


def sign_in(
    database: Database, settings: Settings, user_id: str, password: str, *, now: datetime
) -> NewSession:
    with database.writing() as session:
        user = session.get(User, user_id.strip().lower())
        # Verify even for unknown users, so timing does not reveal who has an account.
        valid = verify_password(user.password_hash if user else _DUMMY_HASH, password)
        if user is None or not valid or user.disabled:
            raise SignInFailed()
        token = new_token()
        created = NewSession(token, new_token(), now + settings.session_lifetime)
        session.add(
            UserSession(
                token_hash=token_hash(token),
                user_id=user.id,
                csrf_token=created.csrf_token,
                created_at=now,
                last_seen_at=now,
                expires_at=created.expires_at,
            )
        )
        return created


def principal_for_session(
    database: Database, settings: Settings, token: str, *, now: datetime
) -> Principal | None:
    """The signed-in person for a session cookie, or None if it is unknown, idle or expired."""
    with database.writing() as session:
        row = session.get(UserSession, token_hash(token))
        if row is None or row.revoked_at is not None or now >= row.expires_at:
            return None
        if now - row.last_seen_at > settings.session_idle:
            row.revoked_at = now
            return None
        user = session.get(User, row.user_id)
        if user is None or user.disabled:
            return None
        if now - row.last_seen_at > timedelta(seconds=30):
            row.last_seen_at = now  # touched at most twice a minute: reads stay cheap
        return Principal(
            id=user.id,
            display_name=user.display_name,
            role=Role(user.role),
            organisation=user.organisation,
            team_id=user.team_id,
            staff_id=user.staff_id,
            csrf_token=row.csrf_token,
        )


def sign_out(database: Database, token: str, *, now: datetime) -> None:
    with database.writing() as session:
        session.execute(
            update(UserSession)
            .where(UserSession.token_hash == token_hash(token), UserSession.revoked_at.is_(None))
            .values(revoked_at=now)
        )


def create_client(
    database: Database,
    *,
    client_id: str,
    name: str,
    organisation: str,
    secret: str,
    scopes: list[str],
) -> None:
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValueError(f"unknown scopes: {unknown}")
    with database.writing() as session:
        session.add(
            ApiClient(
                id=client_id,
                name=name,
                organisation=organisation,
                secret_hash=hash_password(secret),
                scopes=sorted(scopes),
                disabled=False,
            )
        )


class TokenRefused(Exception):
    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


def issue_token(
    database: Database, client_id: str, secret: str, scope: str | None, *, now: datetime
) -> tuple[str, list[str], int]:
    """OAuth2 client credentials: a bearer token for the requested (or all granted) scopes."""
    with database.writing() as session:
        client = session.get(ApiClient, client_id)
        valid = verify_password(client.secret_hash if client else _DUMMY_HASH, secret)
        if client is None or not valid or client.disabled:
            raise TokenRefused("invalid_client", "The client id or secret is not right.")
        granted = set(client.scopes)
        wanted = set(scope.split()) if scope else granted
        if not wanted <= granted:
            raise TokenRefused("invalid_scope", "A requested scope is not granted to this client.")
        token = new_token()
        session.add(
            ApiToken(
                token_hash=token_hash(token),
                client_id=client.id,
                scopes=sorted(wanted),
                issued_at=now,
                expires_at=now + TOKEN_LIFETIME,
            )
        )
        return token, sorted(wanted), int(TOKEN_LIFETIME.total_seconds())


def principal_for_token(database: Database, token: str, *, now: datetime) -> Principal | None:
    """The client behind a bearer token: one indexed query on the hot path of every referral."""
    with database.reading() as session:
        row = session.execute(
            select(ApiToken.scopes, ApiClient.id, ApiClient.name, ApiClient.organisation)
            .join(ApiClient, ApiClient.id == ApiToken.client_id)
            .where(
                ApiToken.token_hash == token_hash(token),
                ApiToken.expires_at > now,
                ApiClient.disabled.is_(False),
            )
        ).first()
    if row is None:
        return None
    return Principal(
        id=row.id,
        display_name=row.name,
        role=Role.INTEGRATION_CLIENT,
        organisation=row.organisation,
        is_client=True,
        scopes=frozenset(row.scopes),
    )


def demo_accounts_present(database: Database) -> bool:
    """Whether any demo user or client exists (production refuses to start with them)."""
    with database.reading() as session:
        user = session.execute(select(User.id).where(User.id.like("demo-%")).limit(1)).first()
        client = session.execute(
            select(ApiClient.id).where(ApiClient.id.like("demo-%")).limit(1)
        ).first()
    return user is not None or client is not None


_DUMMY_HASH = hash_password("no account has this password")
