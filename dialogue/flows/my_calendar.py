""" "Kalender abonnieren": a private link to all of the person's engagements
(issue 14.6; ``core.services.calendar_links``).

```mermaid
flowchart LR
  ask["/kalender, 📆 Kalender abonnieren"] --> has{Link schon da?}
  has -->|nein| made([neuer Link, einmal gezeigt])
  has -->|ja| choose{neu oder löschen?}
  choose -->|cal:new| made
  choose -->|cal:stop| gone([Link gelöscht])
```

Only a fingerprint of the link is stored, so the link is shown once, when it
is made; a new one replaces the old (which stops working at once).
Payloads: ``cal:new``, ``cal:stop``.
"""

from __future__ import annotations

import re

from core.services.calendar_links import has_link, make_link, remove_link
from dialogue.markup import escape
from dialogue.registry import on_command, on_payload
from dialogue.turn import Event, Turn

__all__ = ["feed_url"]


def feed_url(base: str, tenant_slug: str, token: str) -> str:
    """Where a calendar subscribes (``bots/web/routes/my_calendar.py`` serves it)."""
    return f"{base.rstrip('/')}/t/{tenant_slug}/me/calendar/{token}.ics"


def _after(turn: Turn) -> tuple:  # type: ignore[type-arg]
    return (
        turn.button("menu.engagements", "menu:engagements"),
        turn.button("menu.main", "nav:menu"),
    )


async def show(turn: Turn) -> None:
    t = turn.t
    if turn.person is None:
        turn.say(t("timeline.calendar_needs_consent"), turn.menu())
        return
    if await has_link(turn.app.db, turn.person.id):
        turn.say(
            t("timeline.calendar_exists"),
            (
                turn.button("timeline.calendar_renew", "cal:new"),
                turn.button("timeline.calendar_stop", "cal:stop"),
                *_after(turn),
            ),
        )
        return
    await _make(turn)


async def _make(turn: Turn) -> None:
    assert turn.person is not None
    token = await make_link(turn.app.db, turn.person.id, turn.now)
    url = feed_url(turn.app.public_url, turn.tenant.slug, token)
    turn.say(turn.t("timeline.calendar_link", url=escape(url)), _after(turn))


@on_command("calendar")
async def _calendar_command(turn: Turn, args: str) -> None:
    await show(turn)


@on_payload("cal", r"new|stop")
async def _calendar_button(turn: Turn, event: Event, match: re.Match[str]) -> None:
    t = turn.t
    if turn.person is None:
        turn.say(t("timeline.calendar_needs_consent"), turn.menu())
        return
    if match.group(0) == "new":
        await _make(turn)
        return
    await remove_link(turn.app.db, turn.person.id)
    turn.say(t("timeline.calendar_stopped"), _after(turn))
