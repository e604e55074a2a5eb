"""``ehrenamt reminders list [--due]``: what the service will send, and when."""

from __future__ import annotations

import argparse
import asyncio
import json

from bots.bootstrap import bootstrap
from core.services.outbox import pending_reminders
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
        rows = await pending_reminders(app.db, now, due_only=args.due)
        for r in rows:
            rid, kind, slug, due, need = r.id, r.kind, r.tenant_slug, r.due_at, r.need_id
            person, org = r.person_id, r.organisation_id
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
