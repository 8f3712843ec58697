"""Who is making a request: a signed-in person or an API client, with their role."""

from __future__ import annotations

from dataclasses import dataclass, field

from avert.domain.access import ROLE_CASELOAD, SCOPES, Caseload, Permission, Role, allows


@dataclass(frozen=True)
class Principal:
    id: str
    display_name: str
    role: Role
    organisation: str
    team_id: str | None = None
    staff_id: str | None = None
    is_client: bool = False
    scopes: frozenset[str] = field(default_factory=frozenset)
    csrf_token: str | None = None  # set for browser sessions only

    def can(self, permission: Permission) -> bool:
        if not allows(self.role, permission):
            return False
        if self.is_client and permission not in (Permission.PUBLIC, Permission.SIGNED_IN):
            return any(SCOPES.get(scope) == permission for scope in self.scopes)
        return True

    @property
    def caseload(self) -> Caseload:
        return ROLE_CASELOAD[self.role]
