"""People: sign-in for browsers, users and roles, tokens, and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from api.access import SESSION_COOKIE, CallerDep, forget_credentials, signed_in
from api.deps import RootDep, SessionDep, UowDep
from api.schemas import (
    AuditEntryPublic,
    AuditPage,
    LoginIn,
    LoginOut,
    MePublic,
    SessionState,
    TokenCreate,
    TokenCreated,
    TokenPublic,
    UserCreate,
    UserPatch,
    UserPublic,
)
from mam import audit, users
from mam import auth as credentials
from mam.errors import Forbidden, InvalidInput, Unauthenticated
from mam.models import ApiToken, User
from mam.utc import aware_utc

router = APIRouter(tags=["people"])


def user_public(user: User) -> UserPublic:
    return UserPublic(id=user.id, username=user.username, role=user.role, display_name=user.display_name,
                      disabled=user.disabled, created_at=user.created_at)


@router.post("/auth/login", response_model=LoginOut,
             responses={401: {"description": "wrong name or password"},
                        429: {"description": "too many failed sign-ins for this name (see Retry-After)"}})
def login(body: LoginIn, me: CallerDep, r: RootDep, response: Response) -> LoginOut:
    """Sign in: sets the HttpOnly session cookie and returns the CSRF token unsafe requests must send."""
    s = r.settings
    with r.uow() as session:
        user = credentials.check_login(session, body.username, body.password,
                                       max_failures=s.login_max_failures, window_s=s.login_window_s)
        if user is None:
            audit.record(session, None, "auth.failed", "user", body.username, ip=me.ip, actor_name=body.username)
        else:
            cookie, csrf = credentials.start_session(session, user, s.session_ttl_s)
            audit.record(session, users.Actor(user.username, user.role, user.id), "auth.login", "user", user.id,
                         ip=me.ip)
            out = LoginOut(user=user_public(user), csrf_token=csrf)
    if user is None:
        raise Unauthenticated("wrong username or password")
    response.set_cookie(SESSION_COOKIE, cookie, max_age=s.session_ttl_s, httponly=True, samesite="lax",
                        secure=s.public_url.startswith("https://"), path="/")
    return out


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(me: CallerDep, r: RootDep, request: Request) -> Response:
    """Sign out of this browser session (the cookie stops working at once)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    with r.uow() as session:
        if cookie and me.via == "session":
            credentials.end_session(session, cookie)
        me.audit(session, "auth.logout", "user", me.actor.user_id if me.actor else None)
    forget_credentials(request)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/auth/session", response_model=SessionState)
def session_state(request: Request, session: SessionDep) -> SessionState:
    """Who this browser is signed in as, or nobody: always 200, so a page can ask before it signs in."""
    caller = signed_in(request)
    if caller is None or caller.actor is None:
        return SessionState(user=None)
    return SessionState(user=whoami(caller, session))


@router.get("/me", response_model=MePublic)
def whoami(me: CallerDep, session: SessionDep) -> MePublic:
    """The signed-in user (or the bootstrap admin); with a session cookie, also its CSRF token."""
    if me.actor and me.actor.user_id:
        return MePublic(**user_public(users.get_user(session, me.actor.user_id)).model_dump(), csrf_token=me.csrf)
    return MePublic(id=None, username=me.actor.username if me.actor else "", role=me.actor.role
                    if me.actor else "viewer")


@router.post("/users", response_model=UserPublic, status_code=status.HTTP_201_CREATED,
             responses={409: {"description": "username taken"}, 422: {"description": "weak password, bad name"}})
def create_user(body: UserCreate, me: CallerDep, uow: UowDep) -> UserPublic:
    """Add a person with a role."""
    with uow() as session:
        user = users.create_user(session, body.username, body.password, body.role, body.display_name)
        me.audit(session, "user.create", "user", user.id, {"username": body.username, "role": body.role})
        return user_public(user)


@router.get("/users", response_model=list[UserPublic])
def list_users(_: CallerDep, session: SessionDep) -> list[UserPublic]:
    return [user_public(u) for u in users.list_users(session)]


@router.patch("/users/{user_id}", response_model=UserPublic, responses={404: {"description": "no such user"}})
def update_user(user_id: str, body: UserPatch, me: CallerDep, uow: UowDep, request: Request) -> UserPublic:
    """Change a role, disable or enable, set a password. Disabling or a new password signs the user out."""
    with uow() as session:
        user = users.get_user(session, user_id)
        changes = users.update_user(session, user, role=body.role, disabled=body.disabled, password=body.password,
                                    display_name=body.display_name)
        if body.disabled or body.password is not None:
            credentials.end_user_sessions(session, user.id)
        if changes:
            action = "user.role" if set(changes) == {"role"} else "user.update"
            me.audit(session, action, "user", user.id, changes)
        out = user_public(user)
    forget_credentials(request)
    return out


def _own_or_admin(me, user_id: str | None, what: str) -> None:
    if not me.reaches("admin") and (me.actor is None or me.actor.user_id != user_id):
        raise Forbidden(f"{what}: only an admin or the user themself (needs the role 'admin')")


@router.post("/users/{user_id}/tokens", response_model=TokenCreated, status_code=status.HTTP_201_CREATED)
def create_token(user_id: str, me: CallerDep, uow: UowDep, body: TokenCreate | None = None) -> TokenCreated:
    """A bearer token for scripts and the CLI, shown once (an admin, or the user themself)."""
    _own_or_admin(me, user_id, "tokens")
    body = body or TokenCreate()
    with uow() as session:
        user = users.get_user(session, user_id)
        if user.disabled:
            raise InvalidInput(f"user {user.username!r} is disabled")
        rec, token = credentials.create_token(session, user, body.name, body.expires_days)
        me.audit(session, "token.create", "token", str(rec.id), {"user": user.username, "name": rec.name})
        return TokenCreated(id=rec.id, token=token, name=rec.name, expires_at=rec.expires_at)


@router.get("/users/{user_id}/tokens", response_model=list[TokenPublic])
def list_tokens(user_id: str, me: CallerDep, session: SessionDep) -> list[TokenPublic]:
    """A user's tokens (never the tokens themselves)."""
    _own_or_admin(me, user_id, "tokens")
    users.get_user(session, user_id)
    rows = session.query(ApiToken).filter(ApiToken.user_id == user_id).order_by(ApiToken.id).all()
    return [TokenPublic(id=t.id, name=t.name, created_at=t.created_at, expires_at=t.expires_at,
                        revoked_at=t.revoked_at) for t in rows]


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses={404: {"description": "no such token"}})
def revoke_token(token_id: int, me: CallerDep, uow: UowDep, request: Request) -> Response:
    """Revoke a token at once (an admin, or the token's user)."""
    with uow() as session:
        rec = credentials.get_token(session, token_id)
        _own_or_admin(me, rec.user_id or "", "tokens")
        credentials.revoke_token(session, rec)
        me.audit(session, "token.revoke", "token", str(rec.id), {"name": rec.name})
    forget_credentials(request)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _when(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        return aware_utc(datetime.fromisoformat(value))
    except ValueError:
        raise InvalidInput(f"{name}: an ISO date or date-time, e.g. 2026-12-01 or 2026-12-01T08:00:00+08:00") \
            from None


@router.get("/audit", response_model=AuditPage)
def read_audit(_: CallerDep, session: SessionDep, actor: str | None = None,
               action: Annotated[str | None, Query(description="`asset.update`, or a prefix: `asset`")] = None,
               target_id: str | None = None,
               from_: Annotated[str | None, Query(alias="from", description="ISO date or date-time")] = None,
               to: Annotated[str | None, Query(description="ISO date or date-time")] = None,
               page: Annotated[int, Query(ge=1)] = 1,
               page_size: Annotated[int, Query(ge=1, le=500)] = 100) -> AuditPage:
    """The audit log, newest first."""
    total, rows = audit.query(session, actor=actor, action=action, target_id=target_id,
                              since=_when(from_, "from"), until=_when(to, "to"), limit=page_size,
                              offset=(page - 1) * page_size)
    return AuditPage(total=total, page=page, page_size=page_size, items=[
        AuditEntryPublic(id=e.id, at=e.at, actor=e.actor, action=e.action, target_type=e.target_type,
                         target_id=e.target_id, changes=e.changes or {}, ip=e.ip) for e in rows])
