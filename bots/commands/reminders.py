"""``ehrenamt reminders list [--due]``: what the service will send, and when."""

from __future__ import annotations

import argparse
import asyncio
import json

from sqlalchemy import select

from bots.bootstrap import bootstrap
from core.models import Reminder, ReminderStatus, Tenant
from core.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("reminders", help="scheduled reminders and alerts")
    rsub = parser.add_subparsers(dest="reminders_command", required=True)
    listing = rsub.add_parser("list", help="pending reminders, soonest first")
    listing.add_argument("--due", action="store_true", help="only those due now")
    listing.add_argument("--db", help="database URL (default: EHRENAMT_DATABASE_URL or var/)")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.set_defaults(func=lambda args: asyncio.run(_list(args)))


async def _list(args: argparse.Namespace) -> int:
    app = await bootstrap(Settings.from_env(database_url=args.db))
    try:
        now = app.now()
        async with app.db.sessions() as session:
            q = (
                select(
                    Reminder.id,
                    Reminder.kind,
                    Tenant.slug,
                    Reminder.due_at,
                    Reminder.person_id,
                    Reminder.organisation_id,
                    Reminder.need_id,
                )
                .join(Tenant, Tenant.id == Reminder.tenant_id)
                .where(Reminder.status == ReminderStatus.PENDING)
                .order_by(Reminder.due_at, Reminder.id)
            )
            if args.due:
                q = q.where(Reminder.due_at <= now)
            rows = (await session.execute(q)).all()
        for rid, kind, slug, due, person, org, need in rows:
            # Ids only: the listing carries no names or contact details.
            recipient = f"person:{person}" if person else (f"organisation:{org}" if org else "-")
            if args.json:
                print(
                    json.dumps(
                        {
                            "id": rid,
                            "kind": kind,
                            "tenant": slug,
                            "due_at": due.isoformat(),
                            "recipient": recipient,
                            "need": need,
                            "due": due <= now,
                        }
                    )
                )
            else:
                mark = "due" if due <= now else ""
                print(
                    f"{rid:>6}  {due:%Y-%m-%d %H:%M} UTC  {kind:<14} {slug:<10} "
                    f"{recipient:<18} need:{need or '-'} {mark}"
                )
        if not args.json:
            print(f"{len(rows)} pending" + (" and due" if args.due else ""))
        return 0
    finally:
        await app.close()
