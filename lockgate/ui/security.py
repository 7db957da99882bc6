"""Who is looking at a page, what they may do, and protection of the forms that change things.

Airflow's plugin apps get no authentication for free. Every route depends on `viewer`, which
resolves the signed-in Airflow user exactly as Airflow's own API does (bearer token, else the
`_token` session cookie, JWT checked by the auth manager): no user, no page. The lockgate
identity of a signed-in user is `airflow:<username>`, and approver roles come from the same
access file the CLI uses, so the UI cannot approve as anyone but the person signed in.

Mutations are POST forms carrying a token signed with the API server's secret and bound to the
user, the action and the change; the browser must also say the request is same-origin. Airflow's
session cookie is set by JavaScript without SameSite, so the cookie alone proves nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import HTTPException, Request, status

from lockgate.config import settings
from lockgate.release.identity import identity, load_access

CSRF_MAX_AGE_SECONDS = 3600


@dataclass(frozen=True)
class Viewer:
    username: str
    identity: str
    roles: tuple[str, ...]


def viewer_of(username: str) -> Viewer:
    who = identity("airflow", username)
    return Viewer(username, who, tuple(load_access(settings()).roles_of(who)))


async def viewer(request: Request) -> Viewer:
    """The signed-in Airflow user; 401 without a valid session, 403 with a forged token."""
    from airflow.api_fastapi.core_api.security import bearer_scheme, get_user

    user = await get_user(request, None, await bearer_scheme(request))
    return viewer_of(user.get_name())


def _serializer():
    from airflow.configuration import conf
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(conf.get("api", "secret_key"), salt="lockgate-ui-form")


def form_token(who: Viewer, action: str, subject: str) -> str:
    return _serializer().dumps({"u": who.identity, "a": action, "s": subject})


def check_form(request: Request, who: Viewer, action: str, subject: str, token: str) -> None:
    """Refuse a mutation that did not come from our own page, for this user and this change."""
    from itsdangerous import BadSignature, SignatureExpired

    site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.url.netloc}"
    if site not in (None, "same-origin") or (origin is not None and origin != own):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "cross-site form refused")
    try:
        signed = _serializer().loads(token, max_age=CSRF_MAX_AGE_SECONDS)
    except SignatureExpired as expired:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "the form expired; reload the page"
        ) from expired
    except BadSignature as bad:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "form token invalid") from bad
    if signed != {"u": who.identity, "a": action, "s": subject}:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "form token is for another user or action")
