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

from bots.web.config import WebConfig
from bots.web.i18n import WebTexts
from bots.web.mail import Mail, Mailer
from bots.web.tokens import MAX_AGE, Purpose, Tokens
from core.db import Database
from core.services import accounts, editors
from core.services.editors import Invited
from core.tenants import TenantConfig

INVITE_DAYS = MAX_AGE[Purpose.INVITE] // (24 * 3600)


def mailer_of(config: WebConfig) -> Mailer:
    return Mailer(smtp_url=config.smtp_url, mail_from=config.mail_from, outbox_dir=config.outbox_dir)


async def invite_editor(
    db: Database,
    *,
    config: WebConfig,
    mailer: Mailer,
    tokens: Tokens,
    tenant: TenantConfig,
    tenant_id: int,
    email: str,
    role: str,
    actor: str,
    now: datetime,
    lang: str | None = None,
) -> Invited:
    """Give the role and e-mail the invitation (also when they had the role:
    a second mail is how a lost invitation is sent again)."""
    invited = await editors.invite(
        db, tenant_id=tenant_id, email=email, role=role, actor=actor, now=now
    )
    info = await accounts.account_info(db, invited.account_id)
    assert info is not None
    t = WebTexts(lang or tenant.default_language, ZoneInfo(tenant.timezone), "Sie")
    site = tenant.branding.bot_name
    role_name = t(f"team.role_{invited.role}")
    if invited.needs_password:
        token = tokens.make(Purpose.INVITE, invited.account_id, info.password_fingerprint)
        link = f"{config.public_url}/t/{tenant.slug}/invite/{token}"
        kind = "invite"
    else:
        link = f"{config.public_url}/t/{tenant.slug}/login"
        kind = "invite_existing"
    await mailer.send(
        Mail(
            to=info.email,
            subject=t(f"mail.{kind}.subject", site=site),
            body=t(f"mail.{kind}.body", site=site, role=role_name, link=link),
        ),
        now,
    )
    return invited


__all__ = ["INVITE_DAYS", "invite_editor", "mailer_of"]
