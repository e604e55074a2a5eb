"""``ehrenamt editor add EMAIL --tenant SLUG [--role editor|admin]`` invites
someone into a municipality's Redaktion (an e-mail with a single-use link to
set their password); ``editor list --tenant SLUG``; ``editor remove EMAIL
--tenant SLUG``. Mail goes out as the web server sends it (SMTP or the outbox
folder), with the same signing secret, so the link works on the web: the
mail is queued, and the running service's mail sender delivers it."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bots.commands.tenant import admin_texts
from core.services import editors


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("editor", help="a municipality's editors: invite, list, remove")
    esub = parser.add_subparsers(dest="editor_command", required=True)
    add = esub.add_parser("add", help="invite by e-mail (single-use link to set a password)")
    add.add_argument("email")
    add.add_argument("--tenant", required=True)
    add.add_argument("--role", choices=("editor", "admin"), default="editor")
    listing = esub.add_parser("list", help="the tenant's editors and admins")
    listing.add_argument("--tenant", required=True)
    remove = esub.add_parser("remove", help="end someone's editor role")
    remove.add_argument("email")
    remove.add_argument("--tenant", required=True)
    for p in (add, listing, remove):
        p.add_argument("--db", help="database URL (default: EHRENAMT_DATABASE_URL or var/)")
        p.add_argument("--lang", default="de", choices=("de", "en"))
    add.set_defaults(func=lambda a: asyncio.run(_add(a)))
    listing.set_defaults(func=lambda a: asyncio.run(_list(a)))
    remove.set_defaults(func=lambda a: asyncio.run(_remove(a)))


async def _app(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from bots.bootstrap import bootstrap
    from core.settings import Settings

    app = await bootstrap(Settings.from_env(database_url=args.db))
    if args.tenant not in app.tenants:
        t = admin_texts(args.lang)
        print(
            t["unknown_tenant"].format(tenant=args.tenant, known=", ".join(sorted(app.tenants))),
            file=sys.stderr,
        )
        await app.close()
        return None
    return app


async def _add(args: argparse.Namespace) -> int:
    from bots.web.config import WebConfig
    from bots.web.invitations import INVITE_DAYS, invite_editor
    from bots.web.tokens import Tokens
    from core.errors import InvalidValue

    t = admin_texts(args.lang)
    app = await _app(args)
    if app is None:
        return 1
    try:
        config = WebConfig.from_env(app.settings.data_dir, app.settings.host, app.settings.web_port)
        tenant = app.tenants[args.tenant]
        try:
            invited = await invite_editor(
                app.db,
                tokens=Tokens(config.secret_key, app.now),
                tenant=tenant,
                tenant_id=app.tenant_ids[tenant.slug],
                email=args.email,
                role=args.role,
                actor="cli",
                now=app.now(),
            )
        except InvalidValue:
            print(t["bad_email"].format(email=args.email), file=sys.stderr)
            return 1
        if not invited.changed and not invited.needs_password:
            print(t["editor_exists"].format(email=args.email, role=args.role, tenant=tenant.slug))
        print(
            t["editor_invited"].format(
                email=args.email, role=invited.role, tenant=tenant.slug, days=INVITE_DAYS
            )
        )
        return 0
    finally:
        await app.close()


async def _list(args: argparse.Namespace) -> int:
    t = admin_texts(args.lang)
    app = await _app(args)
    if app is None:
        return 1
    try:
        rows = await editors.editors(app.db, app.tenant_ids[args.tenant])
        if not rows:
            print(t["editor_none"].format(tenant=args.tenant))
        for row in rows:
            state = t["editor_active"] if row.active else t["editor_pending"]
            print(t["editor_line"].format(email=row.email, role=row.role, state=state))
        return 0
    finally:
        await app.close()


async def _remove(args: argparse.Namespace) -> int:
    t = admin_texts(args.lang)
    app = await _app(args)
    if app is None:
        return 1
    try:
        tenant_id = app.tenant_ids[args.tenant]
        row = await editors.editor_by_email(app.db, tenant_id, args.email)
        if row is None:
            print(
                t["editor_not_found"].format(email=args.email, tenant=args.tenant), file=sys.stderr
            )
            return 1
        # The operator may remove anyone, the last admin too (they can invite again).
        await editors.remove(
            app.db,
            tenant_id=tenant_id,
            account_id=row.account_id,
            actor="cli",
            now=app.now(),
            keep_an_admin=False,
        )
        print(t["editor_removed"].format(email=args.email, tenant=args.tenant))
        return 0
    finally:
        await app.close()
