"""CarePlan (UKCore-CarePlan): what is being done for the person in one UCR episode.

One CarePlan per referral that has care actions or huddle decisions. Each care action (package of
care, equipment, onward referral, advice) is an activity with its owner and status (open is
`in-progress`, done is `completed`), coded in Avert's `care-action-kind` codes and, for an onward
referral, the `onward-service`; MDT huddle decisions are notes with who decided and when. The plan
is `active` while the referral is open and an action is open, otherwise `completed`.
"""

from __future__ import annotations

from typing import Any

from avert.domain.vocab import OnwardService
from avert.fhir import systems
from avert.fhir.coded import fhir_instant
from avert.services.clinical import ActionKind


ACTIVITY_STATUS = {"open": "in-progress", "done": "completed"}


def plan_status(referral_open: bool, actions: list[Any]) -> str:
    return "active" if referral_open and any(a.status == "open" for a in actions) else "completed"


def _activity(action: Any) -> dict[str, Any]:
    kind = ActionKind(action.kind)
    codings = [systems.coding(systems.CARE_ACTION_KIND, kind)]
    if action.onward_service:
        codings.append(systems.coding(systems.ONWARD_SERVICE, OnwardService(action.onward_service)))
    return {
        "detail": {
            "code": {"coding": codings, "text": kind.label},
            "status": ACTIVITY_STATUS[action.status],
            "description": action.detail,
            "performer": [{"display": action.owner}],
        }
    }


def care_plan_resource(
    referral: Any, *, actions: list[Any], decisions: list[Any]
) -> dict[str, Any]:
    """A referral's care actions and huddle decisions as a UK Core CarePlan."""
    moments = [a.created_at for a in actions] + [d.decided_at for d in decisions]
    resource: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": str(referral.id),
        "meta": {"profile": [systems.profile("CarePlan")]},
        "status": plan_status(referral.is_open, actions),
        "intent": "plan",
        "title": "Urgent community response care plan",
        "subject": {"reference": f"Patient/{referral.person_id}"},
        "basedOn": [{"reference": f"ServiceRequest/{referral.id}"}],
    }
    if moments:
        resource["created"] = fhir_instant(min(moments))
    if actions:
        resource["activity"] = [_activity(a) for a in actions]
    if decisions:
        resource["note"] = [
            {"time": fhir_instant(d.decided_at), "authorString": d.decided_by, "text": d.decision}
            for d in decisions
        ]
    return resource
