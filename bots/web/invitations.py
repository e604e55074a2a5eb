"""Invitations into a tenant's Redaktion, used by ``ehrenamt editor add`` and
the admins' team page: the invited person gets an e-mail with a single-use
link (``/t/<slug>/invite/<token>``, seven days) to set their password; a
person who already has a password is told to log in.

The link is signed with the deployment's secret (``EHRENAMT_SECRET_KEY`` or
``<data dir>/web-secret``, so the command line and the web server agree),
carries the account's password fingerprint (dead once a password is set)
and is recorded as used in the database (once, across processes)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bots.web.i18n import WebTexts
from bots.web.tokens import MAX_AGE, Purpose, Tokens
from core.db import Database
from core.services import accounts, editors, mail_queue
from core.services.editors import Invited
from core.tenants import TenantConfig

INVITE_DAYS = MAX_AGE[Purpose.INVITE] // (24 * 3600)
INVITE, INVITE_EXISTING = "invite", "invite_existing"  # mail kinds (texts mail.<kind>.*)


async def invite_editor(
    db: Database,
    *,
    tokens: Tokens,
    tenant: TenantConfig,
    tenant_id: int,
    email: str,
    role: str,
    actor: str,
    now: datetime,
    lang: str | None = None,
) -> Invited:
    """Give the role and queue the invitation mail (also when they had the
    role: a second mail is how a lost invitation is sent again). The mail
    queue's sender delivers it (``ehrenamt run``)."""
    invited = await editors.invite(
        db, tenant_id=tenant_id, email=email, role=role, actor=actor, now=now
    )
    info = await accounts.account_info(db, invited.account_id)
    assert info is not None
    language = lang if lang in tenant.languages else tenant.default_language
    t = WebTexts(language, ZoneInfo(tenant.timezone), "Sie")
    if invited.needs_password:
        token = tokens.make(Purpose.INVITE, invited.account_id, info.password_fingerprint)
        kind, path = INVITE, f"/t/{tenant.slug}/invite/{token}"
    else:
        kind, path = INVITE_EXISTING, f"/t/{tenant.slug}/login"
    await mail_queue.enqueue_mail(
        db,
        tenant_id=tenant_id,
        kind=kind,
        to=info.email,
        data={"role": t(f"team.role_{invited.role}"), "path": path},
        now=now,
        language=language,
        account_id=invited.account_id,
    )
    return invited


__all__ = ["INVITE_DAYS", "invite_editor"]
