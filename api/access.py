"""Who may call what: the one table of the role each route needs, and the check every request passes.

Roles are cumulative (``mam.users.ROLES``). A route missing from ``RULES`` stops the app at start
(``install`` calls ``check_rules``); a rule naming a route that no longer exists fails a test.

Credentials, in order: a signed URL (only on media routes marked ``signed``; ``?exp=&sig=``), a bearer
token (scripts, the CLI), the session cookie of a browser sign-in (then unsafe methods need the
``X-CSRF-Token`` header). Lookups are cached for a few seconds per process and the cache is cleared on
every change to users, tokens or sessions made through this API, so a revoked token or a disabled user
stops working at once.
"""

from __future__ import annotations

import hmac
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from mam import audit
from mam import auth as credentials
from mam.errors import Forbidden, MamError, Unauthenticated
from mam.users import Actor

SESSION_COOKIE = "mam_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CACHE_TTL_S = 5.0
_CONVERTER = re.compile(r":\w+}")


@dataclass(frozen=True)
class Rule:
    """What a route needs: ``role`` (None: nobody needs to sign in) and whether a signed URL stands in for
    credentials (media a browser fetches by URL alone)."""

    role: str | None
    signed: bool = False


OPEN = Rule(None)
VIEWER, VIDEOGRAPHER, EDITOR, PRODUCER, ADMIN = (Rule(r) for r in
                                                 ("viewer", "videographer", "editor", "producer", "admin"))
MEDIA = Rule("viewer", signed=True)  # proxies, posters, sprites, shot images, renditions, export outputs
MEDIA_ORIGINAL = Rule("videographer", signed=True)  # originals and their sidecars

V1 = "/api/v1"
#: (method, path) -> rule. Finer checks live in the routes: a videographer edits only its own uploads,
#: a token is made by an admin or its own user, a purge needs an admin, a review needs its level's role.
RULES: dict[tuple[str, str], Rule] = {
    ("GET", f"{V1}/health"): OPEN,
    ("GET", f"{V1}/ui/config"): OPEN,
    # sign-in
    ("POST", f"{V1}/auth/login"): OPEN,
    ("GET", f"{V1}/auth/session"): OPEN,
    ("POST", f"{V1}/auth/logout"): VIEWER,
    ("GET", f"{V1}/me"): VIEWER,
    # people
    ("POST", f"{V1}/users"): ADMIN,
    ("GET", f"{V1}/users"): ADMIN,
    ("PATCH", f"{V1}/users/{{user_id}}"): ADMIN,
    ("POST", f"{V1}/users/{{user_id}}/tokens"): VIEWER,
    ("GET", f"{V1}/users/{{user_id}}/tokens"): VIEWER,
    ("DELETE", f"{V1}/tokens/{{token_id}}"): VIEWER,
    ("GET", f"{V1}/audit"): ADMIN,
    # assets
    ("POST", f"{V1}/assets"): VIDEOGRAPHER,
    ("GET", f"{V1}/assets"): VIEWER,
    ("GET", f"{V1}/assets/{{asset_id}}"): VIEWER,
    ("PATCH", f"{V1}/assets/{{asset_id}}"): VIDEOGRAPHER,
    ("DELETE", f"{V1}/assets/{{asset_id}}"): EDITOR,
    ("POST", f"{V1}/assets/{{asset_id}}/restore"): EDITOR,
    ("POST", f"{V1}/assets/bulk"): EDITOR,
    ("GET", f"{V1}/assets/{{asset_id}}/similar"): VIEWER,
    ("GET", f"{V1}/assets/{{asset_id}}/renditions/{{name}}"): MEDIA,
    ("GET", f"{V1}/assets/{{asset_id}}/shots/{{index}}/image"): MEDIA,
    ("GET", f"{V1}/assets/{{asset_id}}/original"): MEDIA_ORIGINAL,
    ("GET", f"{V1}/assets/{{asset_id}}/sidecars/{{index}}"): MEDIA_ORIGINAL,
    ("GET", f"{V1}/assets/{{asset_id}}/track"): VIEWER,
    ("POST", f"{V1}/assets/{{asset_id}}/reprocess"): EDITOR,
    ("GET", f"{V1}/assets/{{asset_id}}/comments"): VIEWER,
    ("POST", f"{V1}/assets/{{asset_id}}/comments"): VIDEOGRAPHER,
    ("PATCH", f"{V1}/comments/{{comment_id}}"): VIDEOGRAPHER,
    ("GET", f"{V1}/search"): VIEWER,
    ("GET", f"{V1}/projects"): VIEWER,
    ("POST", f"{V1}/projects"): EDITOR,
    # collections
    ("GET", f"{V1}/collections"): VIEWER,
    ("POST", f"{V1}/collections"): EDITOR,
    ("GET", f"{V1}/collections/{{collection_id}}"): VIEWER,
    ("POST", f"{V1}/collections/{{collection_id}}/assets"): EDITOR,
    ("DELETE", f"{V1}/collections/{{collection_id}}/assets/{{asset_id}}"): EDITOR,
    # uploads
    ("POST", f"{V1}/uploads"): VIDEOGRAPHER,
    ("POST", f"{V1}/uploads/plan"): VIDEOGRAPHER,
    ("GET", f"{V1}/uploads/{{upload_id}}"): VIDEOGRAPHER,
    ("PUT", f"{V1}/uploads/{{upload_id}}/parts/{{part_number}}"): VIDEOGRAPHER,
    ("POST", f"{V1}/uploads/{{upload_id}}/parts/{{part_number}}/presign"): VIDEOGRAPHER,
    ("PUT", f"{V1}/uploads/{{upload_id}}/sidecars/{{index}}"): VIDEOGRAPHER,
    ("POST", f"{V1}/uploads/{{upload_id}}/complete"): VIDEOGRAPHER,
    ("DELETE", f"{V1}/uploads/{{upload_id}}"): VIDEOGRAPHER,
    # exports, review, delivery
    ("GET", f"{V1}/presets"): VIEWER,
    ("POST", f"{V1}/brand-assets"): PRODUCER,
    ("GET", f"{V1}/brand-assets"): VIEWER,
    ("GET", f"{V1}/assets/{{asset_id}}/subtitles.{{fmt}}"): VIEWER,
    ("POST", f"{V1}/exports"): PRODUCER,
    ("GET", f"{V1}/exports"): VIEWER,
    ("GET", f"{V1}/exports/{{export_id}}"): VIEWER,
    ("DELETE", f"{V1}/exports/{{export_id}}"): PRODUCER,
    ("GET", f"{V1}/exports/{{export_id}}/outputs/{{name}}"): MEDIA,
    ("POST", f"{V1}/exports/{{export_id}}/reviews"): EDITOR,
    ("GET", f"{V1}/exports/{{export_id}}/comments"): VIEWER,
    ("POST", f"{V1}/exports/{{export_id}}/comments"): VIDEOGRAPHER,
    ("POST", f"{V1}/exports/{{export_id}}/deliveries"): PRODUCER,
    ("PATCH", f"{V1}/deliveries/{{delivery_id}}"): PRODUCER,
    ("GET", f"{V1}/deliveries"): PRODUCER,
    ("GET", f"{V1}/reports/deliveries"): PRODUCER,
    # jobs (work items): retry a failed asset step; exports are cancelled through DELETE /exports/{id}
    ("GET", f"{V1}/jobs"): VIEWER,
    ("POST", f"{V1}/jobs/{{job_id}}/retry"): EDITOR,
}


@dataclass(frozen=True)
class Caller:
    """The authenticated caller of one request."""

    actor: Actor | None  # None on open routes
    via: str  # "token" | "session" | "signed" | "none"
    ip: str | None = None
    csrf: str | None = None  # the browser session's CSRF token (sessions only)

    def reaches(self, role: str) -> bool:
        return self.actor is not None and self.actor.reaches(role)

    def require(self, role: str, what: str = "this") -> None:
        """``Forbidden`` naming ``role`` unless the caller has it."""
        if not self.reaches(role):
            have = self.actor.role if self.actor else "nobody"
            raise Forbidden(f"{what} needs the role {role!r} (you are {have!r})")

    def audit(self, session: Session, action: str, target_type: str | None = None, target_id: str | None = None,
              changes: dict[str, Any] | None = None) -> None:
        """Append an audit entry for this caller, in ``session``'s transaction."""
        audit.record(session, self.actor, action, target_type, target_id, changes, self.ip)


class CredentialCache:
    """Recently resolved credentials (sha256 -> actor and CSRF token), for a few seconds."""

    def __init__(self, ttl_s: float = CACHE_TTL_S) -> None:
        self._ttl = ttl_s
        self._items: dict[str, tuple[float, Actor | None, str | None]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[Actor | None, str | None] | None:
        with self._lock:
            hit = self._items.get(key)
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1], hit[2]

    def put(self, key: str, actor: Actor | None, csrf: str | None) -> None:
        with self._lock:
            if len(self._items) > 10_000:
                self._items.clear()
            self._items[key] = (time.monotonic() + self._ttl, actor, csrf)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def template(path: str) -> str:
    """A route's path as the OpenAPI writes it: ``{name:path}`` becomes ``{name}``."""
    return _CONVERTER.sub("}", path)


def rule_for(method: str, path: str) -> Rule | None:
    """The rule of a route, by its path template (HEAD follows GET)."""
    return RULES.get(("GET" if method.upper() == "HEAD" else method.upper(), template(path)))


def api_routes(app: FastAPI) -> Iterator[tuple[APIRoute, str]]:
    """Every API route of ``app`` with its full path (FastAPI may keep included routers unflattened)."""
    for route in app.routes:
        if isinstance(route, APIRoute):
            yield route, route.path
        elif hasattr(route, "effective_route_contexts"):
            for ctx in route.effective_route_contexts():
                if isinstance(ctx.original_route, APIRoute):
                    yield ctx.original_route, ctx.path


def route_keys(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every /api/v1 route of ``app``."""
    return {(m, template(path)) for route, path in api_routes(app) if path.startswith(V1)
            for m in route.methods - {"HEAD", "OPTIONS"}}


def check_rules(app: FastAPI) -> None:
    """Refuse to start when an /api/v1 route has no rule (a rule naming no route fails a test instead)."""
    missing = sorted(route_keys(app) - RULES.keys())
    if missing:
        raise RuntimeError("no access rule for " + ", ".join(f"{m} {p}" for m, p in missing)
                           + ": add it to api.access.RULES")


def install(app: FastAPI) -> None:
    """Check the rules against ``app``'s routes, then index each route's rule by the route object FastAPI
    hands a request (one dict lookup per request) and give the app its credential cache."""
    check_rules(app)
    app.state.route_rules = {(id(route), m): rule_for(m, path) for route, path in api_routes(app)
                             if path.startswith(V1) for m in route.methods}
    app.state.credentials = CredentialCache()


def _resolve(request: Request, key: str, lookup) -> tuple[Actor | None, str | None]:
    cache: CredentialCache = request.app.state.credentials
    hit = cache.get(key)
    if hit is not None:
        return hit
    session = request.app.state.root.uow.read()
    try:
        actor, csrf = lookup(session)
    finally:
        session.close()
    cache.put(key, actor, csrf)
    return actor, csrf


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if not header:
        return None
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthenticated("use Authorization: Bearer <token>")
    return value.strip()


def authenticate(request: Request) -> Caller:
    """Who is calling (signed URL, bearer token or session cookie), checked against the route's rule.
    Runs before every /api/v1 route; routes read the result through ``CallerDep``."""
    route = request.scope.get("route")
    method = "GET" if request.method == "HEAD" else request.method
    rule = request.app.state.route_rules.get((id(route), method))
    ip = request.client.host if request.client else None
    if rule is None:  # cannot happen after install; refuse rather than guess
        raise Forbidden("no access rule for this route")
    if rule.role is None:
        caller = Caller(None, "none", ip)
    elif rule.signed and ("sig" in request.query_params or "exp" in request.query_params):
        request.app.state.root.signer.check(request.method, request.scope["path"],
                                            request.query_params.get("exp"), request.query_params.get("sig"))
        caller = Caller(None, "signed", ip)
    else:
        caller = _credentials(request, ip)
        caller.require(rule.role)
    request.state.caller = caller
    return caller


def _credentials(request: Request, ip: str | None) -> Caller:
    settings = request.app.state.root.settings
    token = _bearer(request)
    if token is not None:
        admin = settings.admin_token.get_secret_value() if settings.admin_token else None
        actor, _ = _resolve(request, "t" + credentials.hash_token(token),
                            lambda s: (credentials.actor_for_token(s, token, admin), None))
        if actor is None:
            raise Unauthenticated("invalid, expired or revoked token")
        return Caller(actor, "token", ip)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        def lookup(s: Session) -> tuple[Actor | None, str | None]:
            found = credentials.actor_for_session(s, cookie)
            return found if found else (None, None)

        actor, csrf = _resolve(request, "s" + credentials.hash_token(cookie), lookup)
        if actor is None:
            raise Unauthenticated("signed out or session expired: sign in again")
        if request.method not in SAFE_METHODS:
            sent = request.headers.get(CSRF_HEADER, "")
            if not csrf or not sent or not _same(sent, csrf):
                raise Forbidden(f"missing or wrong {CSRF_HEADER} header")
        return Caller(actor, "session", ip, csrf)
    raise Unauthenticated("sign in, or send Authorization: Bearer <token>")


def signed_in(request: Request) -> Caller | None:
    """The session or token caller of ``request`` if its credentials are good, else None (never raises):
    for open routes that answer differently to a signed-in browser."""
    try:
        return _credentials(request, request.client.host if request.client else None)
    except MamError:
        return None


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def current_caller(request: Request) -> Caller:
    """The caller ``authenticate`` found for this request."""
    caller = getattr(request.state, "caller", None)
    return caller if caller is not None else authenticate(request)


def forget_credentials(request: Request) -> None:
    """Drop cached lookups after users, tokens or sessions changed."""
    request.app.state.credentials.clear()


CallerDep = Annotated[Caller, Depends(current_caller)]
