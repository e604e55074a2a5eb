"""Organisation accounts: sign-up, e-mail verification, log-in by password or
e-mailed link, password reset, log-out."""

from __future__ import annotations

import logging
from datetime import timedelta

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bots.web.forms import FormState, form_state
from bots.web.pages import (
    current_account,
    redirect,
    render,
    safe_next,
    sign_in,
    suspended_page,
    tenant_id,
    tenant_of,
    texts,
    web,
)
from bots.web.security import checked_form
from bots.web.tokens import BadToken, Purpose, TokenData
from core.services import accounts, mail_queue, used_links
from core.services.accounts import (
    BadCredentials,
    EmailNotVerified,
    EmailTaken,
    OrgKind,
    RateLimited,
    SignupInput,
)
from core.services.used_links import LinkUsed

log = logging.getLogger(__name__)
WINDOW = timedelta(minutes=15)
LOGIN_PER_EMAIL, LOGIN_PER_IP = 5, 30
LINKS_PER_EMAIL, LINKS_PER_IP = 3, 20
SIGNUP_FIELDS = ("organisation", "kind", "contact_name", "email", "password")


def _ip(request: Request) -> str:
    return web(request).config.client_address(
        request.client.host if request.client else None,
        request.headers.get("x-forwarded-for"),
    )


async def _limit(request: Request, kind: str, email: str, per_email: int, per_ip: int) -> None:
    app = web(request).app
    now = app.now()
    salt = web(request).config.secret_key  # per deployment
    await accounts.hit(
        app.db,
        accounts.limit_key(f"{kind}-ip", _ip(request), salt=salt),
        limit=per_ip,
        window=WINDOW,
        now=now,
    )
    if email:
        await accounts.hit(
            app.db,
            accounts.limit_key(kind, email, salt=salt),
            limit=per_email,
            window=WINDOW,
            now=now,
        )


_LINK_PATHS = {Purpose.VERIFY: "verify", Purpose.LOGIN: "login/link", Purpose.RESET: "reset"}


def _link_path(request: Request, purpose: Purpose, account_id: int, fingerprint: str) -> str:
    token = web(request).tokens.make(purpose, account_id, fingerprint)
    return f"/t/{tenant_of(request).slug}/{_LINK_PATHS[purpose]}/{token}"


async def _send_link(
    request: Request, purpose: Purpose, account_id: int, email: str, *, wording: str = ""
) -> None:
    """Enqueue the mail with a link (the background sender delivers it);
    ``wording``: another mail kind with the same link (``signup_taken``)."""
    state = web(request)
    info = await accounts.account_info(state.app.db, account_id)
    if info is None:
        return
    tenant = tenant_of(request)
    # Every link dies when the password changes or the account logs out
    # everywhere (the fingerprint covers both).
    await mail_queue.enqueue_mail(
        state.app.db,
        tenant_id=tenant_id(request, tenant),
        kind=wording or purpose.value,
        to=email,
        data={
            "name": info.display_name,
            "path": _link_path(request, purpose, account_id, info.password_fingerprint),
        },
        now=state.app.now(),
        language=texts(request, tenant).lang,
        account_id=account_id,
    )
    state.mail_enqueued()


# -- sign-up -------------------------------------------------------------------


def _kinds(request: Request) -> list[tuple[str, str]]:
    t = texts(request, tenant_of(request))
    return [(k.value, t(f"kind.{k.value}")) for k in OrgKind]


async def signup_page(request: Request) -> Response:
    tenant = tenant_of(request)
    return await render(
        request,
        "signup.html",
        {"form": FormState(), "kinds": _kinds(request)},
        tenant=tenant,
        title_key="signup.title",
    )


async def signup_submit(request: Request) -> Response:
    tenant = tenant_of(request)
    form = await checked_form(request)
    state = form_state(form, SIGNUP_FIELDS)
    data = SignupInput(
        tenant.slug,
        state.get("organisation"),
        state.get("kind"),
        state.get("contact_name"),
        state.get("email"),
        str(form.get("password") or ""),
    )
    state.errors.update(accounts.validate_signup(data))
    state.values.pop("password", None)  # never sent back into the page
    if not state.errors:
        try:
            await _limit(request, "signup", data.email, LINKS_PER_EMAIL, LINKS_PER_IP)
            await accounts.sign_up(
                web(request).app.db,
                data,
                web(request).app.now(),
                verify_path=lambda account_id, fingerprint: _link_path(
                    request, Purpose.VERIFY, account_id, fingerprint
                ),
                language=texts(request, tenant).lang,
            )
        except EmailTaken:
            # The same answer as for a new address: the page must not tell
            # who has an account. The owner hears of it by e-mail instead.
            existing = await accounts.account_id_for_email(web(request).app.db, data.email)
            if existing is not None:
                await _send_link(
                    request, Purpose.LOGIN, existing, data.email, wording="signup_taken"
                )
            return redirect(f"/t/{tenant.slug}/signup/sent")
        except RateLimited:
            state.errors["form"] = "rate_limited"
        else:
            web(request).mail_enqueued()
            return redirect(f"/t/{tenant.slug}/signup/sent")
    return await render(
        request,
        "signup.html",
        {"form": state, "kinds": _kinds(request)},
        tenant=tenant,
        status=400,
        title_key="signup.title",
    )


async def signup_sent(request: Request) -> Response:
    return await render(
        request,
        "message.html",
        {"heading": "signup.sent_title", "body": "signup.sent_body"},
        tenant=tenant_of(request),
        title_key="signup.sent_title",
    )


async def verify(request: Request) -> Response:
    tenant = tenant_of(request)
    state = web(request)
    try:
        data = state.tokens.read(Purpose.VERIFY, request.path_params["token"])
    except BadToken as exc:
        return await render(
            request,
            "message.html",
            {
                "heading": "verify.failed_title",
                "body": "verify.expired" if exc.expired else "verify.invalid",
                "link": (f"/t/{tenant.slug}/login", "login.title"),
            },
            tenant=tenant,
            status=400,
        )
    owner = await accounts.account_info(state.app.db, data.account_id)
    if owner is None or owner.password_fingerprint != data.fingerprint:
        # The password changed (or the account logged out everywhere) since.
        return await render(
            request,
            "message.html",
            {"heading": "verify.failed_title", "body": "verify.invalid"},
            tenant=tenant,
            status=400,
        )
    try:
        await _use(request, data)
    except LinkUsed:
        # Often a mail scanner opened it first; the address is confirmed
        # either way, so the person logs in with their password.
        return await render(
            request,
            "message.html",
            {
                "heading": "verify.used_title",
                "body": "verify.used",
                "link": (f"/t/{tenant.slug}/login", "login.title"),
            },
            tenant=tenant,
            status=400,
        )
    if not await accounts.mark_verified(state.app.db, data.account_id, state.app.now()):
        return await render(
            request,
            "message.html",
            {"heading": "verify.failed_title", "body": "verify.invalid"},
            tenant=tenant,
            status=400,
        )
    info = await accounts.account_info(state.app.db, data.account_id)
    assert info is not None
    sign_in(request, info)
    log.info("account %s verified its e-mail address", info.id)
    return redirect(f"/t/{tenant.slug}/org/?welcome=1")


# -- log-in --------------------------------------------------------------------


async def login_page(request: Request) -> Response:
    tenant = tenant_of(request)
    return await render(
        request,
        "login.html",
        {
            "form": FormState(),
            "next": safe_next(request.query_params.get("next"), tenant.slug),
        },
        tenant=tenant,
        title_key="login.title",
    )


async def login_submit(request: Request) -> Response:
    tenant = tenant_of(request)
    form = await checked_form(request)
    state = form_state(form, ("email",))
    password = str(form.get("password") or "")
    next_path = safe_next(str(form.get("next") or ""), tenant.slug)
    app = web(request).app
    status = 400
    if not state.get("email"):
        state.errors["email"] = "required"
    if not password:
        state.errors["password"] = "required"
    if not state.errors:
        try:
            await _limit(request, "login", state.get("email"), LOGIN_PER_EMAIL, LOGIN_PER_IP)
            account_id = await accounts.authenticate(app.db, state.get("email"), password)
        except RateLimited:
            state.errors["form"] = "rate_limited"
            status = 429
        except BadCredentials:
            state.errors["form"] = "bad_credentials"
        except EmailNotVerified:
            state.errors["form"] = "not_verified"
            found = await accounts.account_id_for_email(app.db, state.get("email"))
            if found is not None:
                try:
                    await _limit(
                        request, "links", state.get("email"), LINKS_PER_EMAIL, LINKS_PER_IP
                    )
                    await _send_link(request, Purpose.VERIFY, found, state.get("email"))
                except RateLimited:
                    pass
        else:
            info = await accounts.account_info(app.db, account_id)
            assert info is not None
            if _suspended_only(info):
                return await suspended_page(request)
            sign_in(request, info)
            log.info("account %s logged in", info.id)
            if next_path == f"/t/{tenant.slug}/":
                next_path = _home_of(info, app.tenant_ids[tenant.slug], tenant.slug)
            return redirect(next_path)
    return await render(
        request,
        "login.html",
        {"form": state, "next": next_path},
        tenant=tenant,
        status=status,
        title_key="login.title",
    )


def _suspended_only(info: accounts.AccountInfo) -> bool:
    """A member of a suspended organisation with nothing else to do here."""
    return info.organisation_suspended and not info.editor_tenant_ids


def _home_of(info: accounts.AccountInfo, tid: int, slug: str) -> str:
    if tid in info.editor_tenant_ids:
        return f"/t/{slug}/editor/"
    if info.organisation_id is not None:
        return f"/t/{slug}/org/"
    return f"/t/{slug}/"


def _link_kind(request: Request) -> str:
    kind = str(request.path_params["kind"])
    if kind not in ("login", "reset"):
        raise HTTPException(status_code=404)
    return kind


async def link_request_page(request: Request) -> Response:
    tenant = tenant_of(request)
    kind = _link_kind(request)
    return await render(
        request,
        "link_request.html",
        {"form": FormState(), "kind": kind},
        tenant=tenant,
        title_key=f"{kind}_link.title",
    )


async def link_request_submit(request: Request) -> Response:
    """Send a log-in or reset link. The answer is the same whether or not the
    address has an account, so the form does not reveal who is registered."""
    tenant = tenant_of(request)
    kind = _link_kind(request)
    form = await checked_form(request)
    state = form_state(form, ("email",))
    if not accounts.is_email(state.get("email")):
        state.errors["email"] = "email"
        return await render(
            request,
            "link_request.html",
            {"form": state, "kind": kind},
            tenant=tenant,
            status=400,
            title_key=f"{kind}_link.title",
        )
    try:
        await _limit(request, "links", state.get("email"), LINKS_PER_EMAIL, LINKS_PER_IP)
    except RateLimited:
        state.errors["form"] = "rate_limited"
        return await render(
            request,
            "link_request.html",
            {"form": state, "kind": kind},
            tenant=tenant,
            status=429,
            title_key=f"{kind}_link.title",
        )
    found = await accounts.account_id_for_email(web(request).app.db, state.get("email"))
    if found is not None:
        purpose = Purpose.LOGIN if kind == "login" else Purpose.RESET
        await _send_link(request, purpose, found, state.get("email"))
    return await render(
        request,
        "message.html",
        {"heading": "link_sent.title", "body": "link_sent.body"},
        tenant=tenant,
        title_key="link_sent.title",
    )


async def _use(request: Request, data: TokenData) -> None:
    """Record the link as used; ``LinkUsed`` when it was (any process)."""
    app = web(request).app
    await used_links.use_once(app.db, data.token_id, expires_at=data.expires_at, now=app.now())


def _again(purpose: Purpose) -> str:
    """Where to ask for a new link (an expired invitation: a reset link sets the password)."""
    return "reset" if purpose == Purpose.INVITE else purpose.value


async def _link_used(request: Request, purpose: Purpose) -> Response:
    tenant = tenant_of(request)
    return await render(
        request,
        "message.html",
        {
            "heading": "link_failed.title",
            "body": "link_failed.used",
            "link": (f"/t/{tenant.slug}/links/{_again(purpose)}", "link_failed.again"),
        },
        tenant=tenant,
        status=400,
    )


async def _read_link(
    request: Request, purpose: Purpose
) -> tuple[accounts.AccountInfo, TokenData] | Response:
    """The account of a valid, unused link whose password is unchanged, else
    the page that says why not."""
    tenant = tenant_of(request)
    state = web(request)
    try:
        data = state.tokens.read(purpose, request.path_params["token"])
    except BadToken as exc:
        return await render(
            request,
            "message.html",
            {
                "heading": "link_failed.title",
                "body": "link_failed.expired" if exc.expired else "link_failed.invalid",
                "link": (f"/t/{tenant.slug}/links/{_again(purpose)}", "link_failed.again"),
            },
            tenant=tenant,
            status=400,
        )
    info = await accounts.account_info(state.app.db, data.account_id)
    if info is None or info.password_fingerprint != data.fingerprint:
        return await _link_used(request, purpose)
    if await used_links.was_used(state.app.db, data.token_id):
        return await _link_used(request, purpose)
    return info, data


async def login_link(request: Request) -> Response:
    """GET shows a button; the POST logs in and uses the link up (mail
    scanners that follow links must not use up or act on the link)."""
    tenant = tenant_of(request)
    read = await _read_link(request, Purpose.LOGIN)
    if isinstance(read, Response):
        return read
    found, data = read
    if request.method == "GET":
        return await render(
            request, "link_confirm.html", {"kind": "login"}, tenant=tenant, title_key="login.title"
        )
    await checked_form(request)
    try:
        await _use(request, data)
    except LinkUsed:
        return await _link_used(request, Purpose.LOGIN)
    if not found.verified:
        await accounts.mark_verified(web(request).app.db, found.id, web(request).app.now())
        found = await accounts.account_info(web(request).app.db, found.id) or found
    if _suspended_only(found):
        return await suspended_page(request)
    sign_in(request, found)
    log.info("account %s logged in by link", found.id)
    return redirect(_home_of(found, tenant_id(request, tenant), tenant.slug))


async def reset(request: Request) -> Response:
    tenant = tenant_of(request)
    read = await _read_link(request, Purpose.RESET)
    if isinstance(read, Response):
        return read
    found, data = read
    state = FormState()
    if request.method == "POST":
        done = await _set_first_or_new_password(request, found.id, data, Purpose.RESET, state)
        if done is not None:
            return done
    return await render(
        request,
        "reset.html",
        {"form": state},
        tenant=tenant,
        status=400 if state.errors else 200,
        title_key="reset.title",
    )


async def invitation(request: Request) -> Response:
    """An invited editor sets their first password (the link works once,
    in any process, and not at all once a password is set)."""
    tenant = tenant_of(request)
    read = await _read_link(request, Purpose.INVITE)
    if isinstance(read, Response):
        return read
    found, data = read
    state = FormState()
    if request.method == "POST":
        done = await _set_first_or_new_password(request, found.id, data, Purpose.INVITE, state)
        if done is not None:
            log.info("account %s accepted an editor invitation", found.id)
            return done
    return await render(
        request,
        "invite.html",
        {"form": state, "email": found.email},
        tenant=tenant,
        status=400 if state.errors else 200,
        title_key="editor_invite.title",
    )


async def _set_first_or_new_password(
    request: Request, account_id: int, data: TokenData, purpose: Purpose, state: FormState
) -> Response | None:
    """The password form of a reset or invitation link: check the two fields,
    use the link once, set the password and sign in. None (with the field
    errors in ``state``) when the form is to be shown again."""
    form = await checked_form(request)
    password = str(form.get("password") or "")
    if len(password) < accounts.MIN_PASSWORD:
        state.errors["password"] = "password_short"
        return None
    if password != str(form.get("password2") or ""):
        state.errors["password2"] = "password_mismatch"
        return None
    try:
        await _use(request, data)
    except LinkUsed:
        return await _link_used(request, purpose)
    app = web(request).app
    await accounts.set_password(app.db, account_id, password, app.now())
    info = await accounts.account_info(app.db, account_id)
    assert info is not None
    sign_in(request, info)
    tenant = tenant_of(request)
    return redirect(_home_of(info, tenant_id(request, tenant), tenant.slug))


async def logout(request: Request) -> Response:
    """Log out here, or (``everywhere``) end every session of the account."""
    tenant = tenant_of(request)
    form = await checked_form(request)
    account = await current_account(request)
    if account is not None and form.get("everywhere"):
        await accounts.end_sessions(web(request).app.db, account.id, web(request).app.now())
    chat = request.session.get("chat")
    request.session.clear()
    if chat:
        request.session["chat"] = chat
    if account is not None:
        log.info("account %s logged out", account.id)
    return redirect(f"/t/{tenant.slug}/")


routes = [
    Route("/t/{tenant}/signup", signup_page, methods=["GET"]),
    Route("/t/{tenant}/signup", signup_submit, methods=["POST"]),
    Route("/t/{tenant}/signup/sent", signup_sent, methods=["GET"]),
    Route("/t/{tenant}/verify/{token}", verify, methods=["GET"]),
    Route("/t/{tenant}/login", login_page, methods=["GET"]),
    Route("/t/{tenant}/login", login_submit, methods=["POST"]),
    Route("/t/{tenant}/links/{kind:str}", link_request_page, methods=["GET"]),
    Route("/t/{tenant}/links/{kind:str}", link_request_submit, methods=["POST"]),
    Route("/t/{tenant}/login/link/{token}", login_link, methods=["GET", "POST"]),
    Route("/t/{tenant}/reset/{token}", reset, methods=["GET", "POST"]),
    Route("/t/{tenant}/invite/{token}", invitation, methods=["GET", "POST"]),
    Route("/t/{tenant}/logout", logout, methods=["POST"]),
]
