"""Caseload scoping inside the queries: which referrals a principal may see, and on what basis.

Out-of-scope records do not exist for the principal (the API answers 404), and list queries
never contain them, because the condition is part of the query, not a check after it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, false, select, true

from avert.domain.access import Caseload
from avert.security.principal import Principal
from avert.store.schema import BreakGlass, Referral, Visit, VisitStaff


def visible_referrals(principal: Principal, now: datetime) -> ColumnElement[bool]:
    """The SQL condition on `referrals` for what this principal may see."""
    caseload = principal.caseload
    if caseload is Caseload.SERVICE:
        return true()
    if caseload is Caseload.OWN_SUBMISSIONS:
        return Referral.submitted_by == principal.id
    if caseload is Caseload.NONE:
        return false()
    paths = [_break_glass(principal, now)]
    if principal.team_id:
        paths.append((Referral.team_id == principal.team_id) & Referral.is_open.is_(True))
    if principal.staff_id:
        paths.append(Referral.id.in_(_allocated(principal.staff_id)))
    condition = paths[0]
    for path in paths[1:]:
        condition = condition | path
    return condition


def _allocated(staff_id: str):
    return (
        select(Visit.referral_id)
        .join(VisitStaff, VisitStaff.visit_id == Visit.id)
        .where(VisitStaff.staff_id == staff_id)
    )


def _break_glass(principal: Principal, now: datetime) -> ColumnElement[bool]:
    return Referral.person_id.in_(
        select(BreakGlass.person_id).where(
            BreakGlass.user_id == principal.id, BreakGlass.expires_at > now
        )
    )


def basis(principal: Principal, referral: Referral, *, allocated: bool, break_glass: bool) -> str:
    """Why this principal may see this referral, in the words the audit log records."""
    caseload = principal.caseload
    if caseload is Caseload.SERVICE:
        return "service role"
    if caseload is Caseload.OWN_SUBMISSIONS:
        return "own submission"
    if principal.team_id and referral.team_id == principal.team_id and referral.is_open:
        return "team caseload"
    if allocated:
        return "allocated visit"
    if break_glass:
        return "break glass"
    return "none"
