"""Bundles: search results, the patient export, and the BaRS-style referral message.

- `searchset`: a page of search results with `total` and `self`/`next` links.
- `collection`: a patient's record for `avert export patient` (Patient, Flags, ServiceRequests,
  Encounters, Observations, CarePlans and the care record). The transfer summary's document
  Bundle (with a Composition first) is built in `avert.fhir.document`.
- `message_parts`: the BaRS pattern (DOMAIN.md 7.2): a `message` Bundle whose first entry is a
  MessageHeader with event `servicerequest-request` and whose focus is the ServiceRequest; the
  Patient and the other resources are entries, found by `fullUrl` or `Type/id`.
- `message_response`: the acknowledgement, a `message` Bundle whose MessageHeader answers the
  request's id with `ok`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from avert.fhir import systems
from avert.fhir.coded import fhir_instant
from avert.fhir.outcome import Problem


def full_url(resource: dict[str, Any]) -> str:
    return f"{systems.LOCAL_BASE}/{resource['resourceType']}/{resource['id']}"


def searchset(
    resources: list[dict[str, Any]], *, total: int, self_url: str, next_url: str | None = None
) -> dict[str, Any]:
    links = [{"relation": "self", "url": self_url}]
    if next_url:
        links.append({"relation": "next", "url": next_url})
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": links,
        "entry": [
            {"fullUrl": full_url(r), "resource": r, "search": {"mode": "match"}} for r in resources
        ],
    }


def collection(resources: list[dict[str, Any]], *, timestamp: datetime) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "meta": {"profile": [systems.profile("Bundle")]},
        "type": "collection",
        "timestamp": fhir_instant(timestamp),
        "entry": [{"fullUrl": full_url(r), "resource": r} for r in resources],
    }


Resolver = Callable[[str], Any]


def resolver(entries: list[tuple[str | None, Any]], contained: list[Any] = ()) -> Resolver:
    """Find a resource by reference: `#id` (contained), a fullUrl, or `Type/id`."""
    index: dict[str, Any] = {}
    for url, resource in entries:
        kind = resource.get_resource_type()
        if resource.id:
            index[f"{kind}/{resource.id}"] = resource
        if url:
            index[url] = resource
    local = {f"#{r.id}": r for r in contained if r.id}

    def resolve(reference: str) -> Any:
        if reference in local:
            return local[reference]
        if reference in index:
            return index[reference]
        tail = "/".join(reference.rstrip("/").split("/")[-2:])
        return index.get(tail)

    return resolve


def entries_of(bundle: Any) -> list[tuple[int, str | None, Any]]:
    """(index, fullUrl, resource) for each entry that has a resource."""
    return [(i, e.fullUrl, e.resource) for i, e in enumerate(bundle.entry or []) if e.resource]


@dataclass(frozen=True)
class Message:
    header: Any
    focus: Any  # the ServiceRequest
    focus_index: int
    resolve: Resolver


def message_parts(bundle: Any) -> tuple[Message | None, list[Problem]]:
    """The MessageHeader and its focus ServiceRequest from a BaRS-style message Bundle."""
    if bundle.type != "message":
        return None, [
            Problem("Bundle.type", "must be message for $process-message", "business-rule")
        ]
    found = entries_of(bundle)
    if not found or found[0][2].get_resource_type() != "MessageHeader":
        return None, [Problem("Bundle.entry[0].resource", "must be the MessageHeader", "structure")]
    header = found[0][2]
    where = "Bundle.entry[0].resource"
    event = header.eventCoding
    if event is None or event.code != systems.BARS_SERVICE_REQUEST_EVENT:
        return None, [
            Problem(
                f"{where}.eventCoding",
                "Avert processes the servicerequest-request event only",
                "not-supported",
            )
        ]
    reasons = header.reason.coding if header.reason else []
    if any(c.code and c.code != "new" for c in reasons or []):
        return None, [
            Problem(
                f"{where}.reason", "Avert accepts new referrals only (reason new)", "not-supported"
            )
        ]
    resolve = resolver([(url, r) for _, url, r in found])
    if len(header.focus or []) != 1:
        return None, [Problem(f"{where}.focus", "must name the one ServiceRequest", "required")]
    focus = resolve(header.focus[0].reference or "")
    if focus is None or focus.get_resource_type() != "ServiceRequest":
        return None, [
            Problem(f"{where}.focus", "must refer to a ServiceRequest in this Bundle", "not-found")
        ]
    index = next(i for i, _, r in found if r is focus)
    return Message(header, focus, index, resolve), []


def message_response(
    request_header: Any, service_request: dict[str, Any], *, now: datetime
) -> dict[str, Any]:
    """The acknowledgement of a referral message: `ok`, with Avert's ServiceRequest."""
    header = {
        "resourceType": "MessageHeader",
        "id": str(uuid.uuid4()),
        "eventCoding": {
            "system": systems.BARS_MESSAGE_EVENTS,
            "code": systems.BARS_SERVICE_REQUEST_EVENT,
        },
        "source": {"endpoint": systems.LOCAL_BASE},
        "response": {"identifier": request_header.id or "unknown", "code": "ok"},
        "focus": [{"reference": full_url(service_request)}],
    }
    return {
        "resourceType": "Bundle",
        "type": "message",
        "timestamp": fhir_instant(now),
        "entry": [
            {"fullUrl": f"urn:uuid:{header['id']}", "resource": header},
            {"fullUrl": full_url(service_request), "resource": service_request},
        ],
    }
