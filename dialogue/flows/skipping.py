"""One date of a weekly engagement skipped (issue 14.6): "Nächsten Mittwoch
kann ich nicht", "I can't come on the 23rd", or "⏭ Nr. N: diesen Termin
absagen" in "Meine Termine".

```mermaid
flowchart LR
  typed{"Mittwoch kann ich nicht"} --> which{Termin an dem Tag?}
  termine[Meine Termine] -->|skip:<eng>:<tag>| ask
  which -->|einer / mehrere| ask{Aussetzen?} -->|skip:<eng>:<tag>:yes| done([ausgesetzt + .ics])
  which -->|keiner| none([freundlich erklärt])
  done --> org[Hinweis an die Organisation, einmal]
```

The person stays in the series; that date's reminders are cancelled, the
organisation is told once (an outbox notice, ``signup.skip_date``), and a new
calendar file leaves the date out (EXDATE, same UID, higher SEQUENCE).
Payloads: ``skip:<engagement>:<yyyymmdd>`` asks, ``...:yes`` skips.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from core.errors import DomainError
from core.services.needs import need_detail
from core.services.signup import dates_to_skip, skip_date
from dialogue.calendar import need_calendar
from dialogue.markup import escape
from dialogue.messages import Button
from dialogue.nlu.extractors.named_days import named_day
from dialogue.registry import on_payload
from dialogue.turn import Event, Turn

__all__ = ["skip_button", "text"]

# "kann ich nicht", "I can't come": said of a day, it skips that day's date.
_CANT = re.compile(
    r"\b(?:kann\s+ich\s+nicht|kann\s+nicht(?:\s+kommen)?|komme?\s+ich\s+nicht|"
    r"schaff(?:e)?\s+ich\s+(?:es\s+)?nicht|bin\s+ich\s+nicht\s+da|muss\s+ich\s+absagen|"
    r"can'?t\s+(?:come|make\s+it)|cannot\s+(?:come|make\s+it)|can\s+not\s+come|"
    r"won'?t\s+(?:be\s+able\s+to\s+come|make\s+it|be\s+there))",
    re.IGNORECASE,
)
_PAYLOAD = r"(\d{1,12}):(\d{8})(:yes)?"


def skip_button(
    turn: Turn, engagement_id: int, start: datetime, number: int, *, named: bool = False
) -> Button:
    """ "⏭ Nr. N: diesen Termin absagen" for a weekly engagement's next date;
    ``named``: a later one, "⏭ Nr. N: 9. Dezember absagen" (the next is skipped
    already or has begun)."""
    day = start.astimezone(ZoneInfo(turn.tenant.timezone)).date()
    payload = f"skip:{engagement_id}:{day:%Y%m%d}"
    if named:
        return turn.button("skip.button_on", payload, number=number, date=turn.t.date(start))
    return turn.button("skip.button", payload, number=number)


async def text(turn: Turn, said: str) -> bool:
    """A typed "Mittwoch kann ich nicht" with no question open; False: not ours."""
    if turn.state.flow is not None or turn.person is None or not _CANT.search(said):
        return False
    today = turn.now.astimezone(ZoneInfo(turn.tenant.timezone)).date()
    named = named_day(said, today, past=False)
    if named is None:
        return False
    t = turn.t
    dates, problem = await dates_to_skip(turn.app.db, turn.person.id, named.day, turn.now)
    if not dates and problem is None:
        return False  # no weekly engagement: the rest of the bot answers
    if problem is not None:
        turn.say(
            t(problem.key), (turn.button("menu.engagements", "menu:engagements"), *turn.menu())
        )
        return True
    turn.say(
        t("skip.ask_typed", date=escape(t.when(dates[0].starts_at)))
        if len(dates) > 1
        else t("skip.ask", date=escape(t.when(dates[0].starts_at)), title=escape(dates[0].title)),
        (
            *(
                turn.yes_button(
                    "skip.yes_for" if len(dates) > 1 else "skip.yes",
                    f"skip:{d.engagement_id}:{named.day:%Y%m%d}:yes",
                    title=d.title[:30],
                )
                for d in dates
            ),
            turn.no_button("skip.no", "menu:engagements"),
        ),
    )
    return True


@on_payload("skip", _PAYLOAD, ends_form=True)
async def _skip(turn: Turn, event: Event, match: re.Match[str]) -> None:
    t = turn.t
    if turn.person is None:
        turn.say(t("error.stale_button"), turn.menu())
        return
    m = match
    engagement_id = int(m.group(1))
    try:
        day = datetime.strptime(m.group(2), "%Y%m%d").date()
    except ValueError:
        turn.say(t("error.stale_button"), turn.menu())
        return
    if m.group(3) is None:
        dates, problem = await dates_to_skip(turn.app.db, turn.person.id, day, turn.now)
        mine = [d for d in dates if d.engagement_id == engagement_id]
        if not mine:
            turn.say(t(problem.key if problem else "skip.no_date"), turn.menu())
            return
        turn.say(
            t("skip.ask", date=escape(t.when(mine[0].starts_at)), title=escape(mine[0].title)),
            (
                turn.yes_button("skip.yes", f"skip:{engagement_id}:{day:%Y%m%d}:yes"),
                turn.no_button("skip.no", "menu:engagements"),
            ),
        )
        return
    try:
        skipped = await skip_date(turn.app.db, turn.person.id, engagement_id, turn.now, day)
    except DomainError as exc:
        turn.say(t(exc.key), turn.menu())
        return
    if skipped is None:  # not a weekly engagement: withdrawing is the way
        turn.say(t("skip.no_date"), turn.menu())
        return
    need = await need_detail(turn.app.db, skipped.need_id)
    files = await need_calendar(
        turn.app.db,
        need,
        tz_name=turn.tenant.timezone,
        stamp=turn.now,
        engagement_id=engagement_id,
    )
    turn.say(
        t("skip.done", date=escape(t.when(skipped.starts_at)), title=escape(need.title))
        + ("\n" + t("skip.calendar") if files else ""),
        (
            turn.button("menu.engagements", "menu:engagements"),
            turn.button("menu.main", "nav:menu"),
        ),
        attachments=files,
    )
