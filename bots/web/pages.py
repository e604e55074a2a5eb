"""What every endpoint shares: the web state, the tenant and language of a
request, the signed-in account, authorisation, and rendering a template
with its finished values."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bots.bootstrap import App
from bots.web.config import WebConfig
from bots.web.i18n import LANG_COOKIE, WebTexts, choose_language
from bots.web.security import CSRF_FIELD, csrf_token
from bots.web.tokens import Tokens
from core.services.accounts import AccountInfo, account_info, touch_account
from core.tenants import TenantConfig

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"
SESSION_ACCOUNT = "account"
ACTIVITY_RESOLUTION = timedelta(days=1)
SESSION_FINGERPRINT = "pw"


@dataclass(slots=True)
class WebState:
    app: App
    config: WebConfig
    jinja: Environment
    tokens: Tokens

    def mail_enqueued(self) -> None:
        """Tell this process's mail sender (if it runs one) to look at the queue now."""
        sender = self.app.mail_sender
        if sender is not None:
            sender.wake()


def build_jinja() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "svg", "xml"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        enable_async=False,
    )
    env.filters["markup"] = reply_markup
    return env


_ALLOWED_TAG = re.compile(r'(</?(?:b|i|code)>|<a href="(?:https?://|/)[^"<>]*">|</a>)')


def reply_markup(text: str) -> Markup:
    """A bot reply's light markup (values in it are already escaped): only
    ``<b> <i> <code> <a href>`` pass; any other angle bracket is escaped."""
    parts = _ALLOWED_TAG.split(text)
    out = []
    for i, part in enumerate(parts):
        out.append(part if i % 2 else part.replace("<", "&lt;").replace(">", "&gt;"))
    return Markup("".join(out))


@dataclass(frozen=True, slots=True)
class Brand:
    slug: str
    name: str
    bot_name: str
    logo_url: str | None
    policy_url: str
    imprint_url: str
    languages: tuple[str, ...]


def web(request: Request) -> WebState:
    return request.app.state.web  # type: ignore[no-any-return]


def tenant_of(request: Request) -> TenantConfig:
    slug = request.path_params.get("tenant", "")
    tenant = web(request).app.tenants.get(slug)
    if tenant is None:
        raise HTTPException(status_code=404)
    return tenant


def telegram_username(request: Request, slug: str) -> str | None:
    """The tenant's Telegram bot's username: as the Bot API's getMe told the
    running bot at start, else as configured (``EHRENAMT_TELEGRAM_USERNAME_<SLUG>``)."""
    for channel in web(request).app.channels:
        if channel.kind == "telegram" and channel.tenant and channel.tenant.slug == slug:
            if getattr(channel, "username", None):
                return str(channel.username)
    return (web(request).config.telegram_usernames or {}).get(slug)


def tenant_id(request: Request, tenant: TenantConfig) -> int:
    return web(request).app.tenant_ids[tenant.slug]


def language(request: Request, tenant: TenantConfig | None) -> str:
    offered = tenant.languages if tenant else ("de", "en")
    return choose_language(
        query=request.query_params.get("lang"),
        cookie=request.cookies.get(LANG_COOKIE),
        accept=request.headers.get("accept-language"),
        offered=offered,
    )


def texts(request: Request, tenant: TenantConfig | None) -> WebTexts:
    cached = getattr(request.state, "texts", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    tz = ZoneInfo(tenant.timezone if tenant else "Europe/Berlin")
    form = tenant.address_form if tenant else "du"
    request.state.texts = WebTexts(language(request, tenant), tz, form)
    return request.state.texts  # type: ignore[no-any-return]


def brand(tenant: TenantConfig) -> Brand:
    logo = tenant.branding.logo
    logo_url = f"/static/logos/{logo}" if logo and (STATIC_DIR / "logos" / logo).is_file() else None
    return Brand(
        tenant.slug,
        tenant.name,
        tenant.branding.bot_name,
        logo_url,
        tenant.privacy.policy_url,
        tenant.privacy.imprint_url,
        tenant.languages,
    )


async def current_account(request: Request) -> AccountInfo | None:
    if hasattr(request.state, "account"):
        return request.state.account  # type: ignore[no-any-return]
    account = None
    account_id = request.session.get(SESSION_ACCOUNT)
    if isinstance(account_id, int):
        found = await account_info(web(request).app.db, account_id)
        # A changed password ends every other session.
        if found is not None and found.password_fingerprint == request.session.get(
            SESSION_FINGERPRINT
        ):
            account = found
            now = web(request).app.now()
            if found.last_active_at is None or now - found.last_active_at > ACTIVITY_RESOLUTION:
                await touch_account(web(request).app.db, found.id, now)  # at most daily
        else:
            request.session.pop(SESSION_ACCOUNT, None)
    request.state.account = account
    return account


def sign_in(request: Request, account: AccountInfo) -> None:
    """A fresh session for the account (a new CSRF token, nothing carried over
    but the chat identity and language)."""
    keep = {k: v for k, v in request.session.items() if k in ("chat",)}
    request.session.clear()
    request.session.update(keep)
    request.session[SESSION_ACCOUNT] = account.id
    request.session[SESSION_FINGERPRINT] = account.password_fingerprint
    request.state.account = account


class LoginRequired(Exception):
    def __init__(self, tenant: str, next_path: str) -> None:
        super().__init__(tenant)
        self.tenant = tenant
        self.next_path = next_path


class OrganisationSuspended(Exception):
    """The member's organisation is suspended: a friendly page, nothing else."""

    def __init__(self, tenant: str) -> None:
        super().__init__(tenant)
        self.tenant = tenant


async def suspended_page(request: Request) -> Response:
    """Why a suspended organisation's member cannot post (no session is kept)."""
    tenant = web(request).app.tenants.get(request.path_params.get("tenant", ""))
    request.session.pop(SESSION_ACCOUNT, None)
    return await render(
        request,
        "message.html",
        {"heading": "suspended.title", "body": "suspended.body"},
        tenant=tenant,
        status=403,
        title_key="suspended.title",
    )


@dataclass(frozen=True, slots=True)
class Member:
    account: AccountInfo
    organisation_id: int
    tenant: TenantConfig

    @property
    def actor(self) -> str:
        return f"account:{self.account.id}"


@dataclass(frozen=True, slots=True)
class Editor:
    account: AccountInfo
    tenant: TenantConfig
    tenant_id: int

    @property
    def actor(self) -> str:
        return f"account:{self.account.id}"


async def require_member(request: Request) -> Member:
    """The signed-in member of an organisation of this tenant; else log-in or 403."""
    tenant = tenant_of(request)
    account = await current_account(request)
    if account is None:
        raise LoginRequired(tenant.slug, request.url.path)
    if account.organisation_id is None or account.organisation_tenant_id != tenant_id(
        request, tenant
    ):
        raise HTTPException(status_code=403)
    if account.organisation_suspended:
        raise OrganisationSuspended(tenant.slug)
    return Member(account, account.organisation_id, tenant)


async def require_editor(request: Request) -> Editor:
    """The signed-in editor of this tenant; else log-in or 403."""
    tenant = tenant_of(request)
    account = await current_account(request)
    if account is None:
        raise LoginRequired(tenant.slug, request.url.path)
    tid = tenant_id(request, tenant)
    if tid not in account.editor_tenant_ids:
        raise HTTPException(status_code=403)
    return Editor(account, tenant, tid)


async def require_admin(request: Request) -> Editor:
    """The signed-in admin of this tenant (manages its editors); else log-in or 403."""
    editor = await require_editor(request)
    if editor.tenant_id not in editor.account.admin_tenant_ids:
        raise HTTPException(status_code=403)
    return editor


def login_redirect(exc: LoginRequired) -> RedirectResponse:
    return RedirectResponse(f"/t/{exc.tenant}/login?next={quote(exc.next_path)}", 303)


def safe_next(value: str | None, tenant: str) -> str:
    """Only a local path of this site: no open redirect."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return f"/t/{tenant}/"


async def render(
    request: Request,
    template: str,
    values: Mapping[str, Any] | None = None,
    *,
    tenant: TenantConfig | None = None,
    status: int = 200,
    title_key: str = "",
) -> Response:
    """Render a page: the template gets the finished values plus what the
    frame needs (brand, texts, language links, account, CSRF token)."""
    t = texts(request, tenant)
    account = await current_account(request)
    unread = 0
    if account is not None and account.organisation_id is not None and tenant is not None:
        from core.services.relay import unread_count

        unread = await unread_count(web(request).app.db, account.organisation_id)
    context: dict[str, Any] = {
        "request": request,
        "t": t,
        "lang": t.lang,
        "other_languages": [
            (lang, _with_query(request, lang=lang))
            for lang in (tenant.languages if tenant else ("de", "en"))
            if lang != t.lang
        ],
        "brand": brand(tenant) if tenant else None,
        "account": account,
        "is_editor": bool(
            account
            and tenant
            and web(request).app.tenant_ids[tenant.slug] in account.editor_tenant_ids
        ),
        "is_admin": bool(
            account
            and tenant
            and web(request).app.tenant_ids[tenant.slug] in account.admin_tenant_ids
        ),
        "is_member": bool(
            account
            and account.organisation_id
            and tenant
            and account.organisation_tenant_id == web(request).app.tenant_ids[tenant.slug]
        ),
        "unread": unread,
        "csrf_field": CSRF_FIELD,
        "csrf": csrf_token(request),
        "title_key": title_key,
        "path": request.url.path,
    }
    context.update(values or {})
    html = web(request).jinja.get_template(template).render(context)
    response = HTMLResponse(html, status_code=status)
    chosen = request.query_params.get("lang")
    if chosen in ("de", "en"):
        response.set_cookie(
            LANG_COOKIE,
            chosen,
            max_age=365 * 24 * 3600,
            samesite="lax",
            httponly=True,
            secure=web(request).config.secure_cookies,
        )
    response.headers["cache-control"] = "no-store" if account else "private, max-age=0"
    return response


def _with_query(request: Request, **params: str) -> str:
    query = dict(request.query_params)
    query.update(params)
    from urllib.parse import urlencode

    return request.url.path + "?" + urlencode(query)


def redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)
