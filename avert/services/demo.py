"""Demo accounts: one user per role and one client per referring system, for a newcomer.

Production refuses to start while any of these exist (their passwords are printed for everyone).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from avert.domain.access import Role
from avert.security.sessions import create_client, create_user
from avert.store.db import Database
from avert.store.schema import StaffMember, Team


DEMO_PASSWORD = "demo"
DEMO_CLIENT_SECRET = "demo-secret"
ORGANISATION = "RT5"  # a synthetic provider code, shaped like an NHS trust's


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    name: str
    note: str = ""


def create_demo_accounts(database: Database, *, now: datetime) -> list[DemoAccount]:
    with database.reading() as session:
        team = session.execute(select(Team).order_by(Team.id).limit(1)).scalar_one_or_none()
        staff = {}
        if team is not None:
            for member in session.execute(
                select(StaffMember).where(StaffMember.team_id == team.id).order_by(StaffMember.id)
            ).scalars():
                staff.setdefault(member.role, member)
    team_id = team.id if team else None
    nurse = staff.get("nurse") or next(iter(staff.values()), None)
    social = staff.get("social_worker") or nurse
    accounts = [
        DemoAccount("demo-coordinator", Role.COORDINATOR, "Demo Coordinator"),
        DemoAccount(
            "demo-clinician",
            Role.CLINICIAN,
            nurse.name if nurse else "Demo Clinician",
            f"a nurse on {team.name}" if team else "",
        ),
        DemoAccount("demo-team-lead", Role.TEAM_LEAD, "Demo Team Lead", team.name if team else ""),
        DemoAccount(
            "demo-social-worker",
            Role.SOCIAL_WORKER,
            social.name if social else "Demo Social Worker",
        ),
        DemoAccount("demo-analyst", Role.ANALYST, "Demo Analyst"),
        DemoAccount("demo-service-lead", Role.SERVICE_LEAD, "Demo Service Lead"),
        DemoAccount("demo-administrator", Role.ADMINISTRATOR, "Demo Administrator"),
        DemoAccount("demo-privacy-officer", Role.PRIVACY_OFFICER, "Demo Privacy Officer"),
    ]
    links = {
        Role.CLINICIAN: (team_id, nurse.id if nurse else None),
        Role.TEAM_LEAD: (team_id, None),
        Role.SOCIAL_WORKER: (team_id, social.id if social else None),
    }
    for account in accounts:
        account_team, staff_id = links.get(account.role, (None, None))
        create_user(
            database,
            user_id=account.username,
            display_name=account.name,
            role=account.role,
            organisation=ORGANISATION,
            password=DEMO_PASSWORD,
            now=now,
            team_id=account_team,
            staff_id=staff_id,
        )
    create_client(
        database,
        client_id="demo-nhs111",
        name="NHS 111 (demo)",
        organisation="NHS111",
        secret=DEMO_CLIENT_SECRET,
        scopes=["referral:create", "referral:read"],
    )
    return accounts
