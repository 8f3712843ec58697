"""OAuth2 client credentials for systems that refer in (NHS 111, ambulance, telecare, GP)."""

from __future__ import annotations

import base64
import binascii

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from avert.domain.access import Permission
from avert.security.sessions import TokenRefused, issue_token
from avert.web.auth import require
from avert.web.context import context


router = APIRouter(tags=["authentication"], dependencies=[Depends(require(Permission.PUBLIC))])


class OAuthError(BaseModel):
    """RFC 6749 section 5.2: what OAuth2 clients expect instead of Avert's own error shape."""

    error: str
    error_description: str


def _refused(error: str, description: str, status: int = 400) -> JSONResponse:
    # RFC 6749 section 5.2 error shape, which OAuth2 clients expect.
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )


@router.post(
    "/oauth/token",
    summary="Get a bearer token with client credentials (form-encoded, RFC 6749 4.4)",
    responses={
        400: {"description": "A refused request, in the OAuth2 error shape", "model": OAuthError},
        401: {"description": "The client id or secret is not right", "model": OAuthError},
    },
)
async def token(request: Request) -> JSONResponse:
    form = await request.form()
    if form.get("grant_type") != "client_credentials":
        return _refused("unsupported_grant_type", "Only client_credentials is supported.")
    client_id, secret = str(form.get("client_id") or ""), str(form.get("client_secret") or "")
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return _refused("invalid_client", "The Basic credentials are not readable.", 401)
    ctx = context(request)
    try:
        access_token, scopes, expires_in = issue_token(
            ctx.database, client_id, secret, form.get("scope"), now=ctx.now()
        )
    except TokenRefused as refused:
        status = 401 if refused.error == "invalid_client" else 400
        return _refused(refused.error, refused.description, status)
    return JSONResponse(
        {
            "access_token": access_token,
            "token_type": "bearer",
            "expires_in": expires_in,
            "scope": " ".join(scopes),
        },
        headers={"Cache-Control": "no-store"},
    )
