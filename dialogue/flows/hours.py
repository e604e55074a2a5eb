"""Hours per date, "Mein Nachweis" and "Meine Termine" over time (issue 14.5/14.6).

```mermaid
flowchart LR
  followup[Nachfrage nach dem Termin] -->|hrs:<eng>:<tag>:<n>| logged([Stunden des Tages])
  followup -->|hrs:<eng>:<tag>:ask| typed{"2,5 Stunden" / "von 9 bis 12"} --> logged
  followup -. "2,5 Stunden" ohne Knopf .-> logged
  logged --> org[Hinweis an die Organisation] -->|hrs:ok:<eintrag>| confirmed([bestätigt])
  nachweis[/nachweis/] --> name{Name bekannt?} -->|nein| askname[Name fragen] --> pdf([PDF + Prüfcode])
  name -->|ja| pdf
```

Payloads (prefix ``hrs:``): ``hrs:<engagement>:<yyyymmdd>:<n>`` logs n hours
for that date (``q<n>``: n quarter hours, for typed values), ``...:set`` after
it replaces a different value already logged for that date (asked first,
never overwritten silently; ``hrs:keep`` keeps it),
``hrs:<engagement>:<yyyymmdd>:ask`` asks for them typed,
``hrs:ok:<entry>`` / ``hrs:no:<entry>`` are an organisation member's answer,
``hrs:waiting`` lists the hours the member's organisations have not decided
yet (also typed: "Stunden bestätigen", ``hours.typed.waiting``), each with
its confirm button; a need's detail in "Meine Bedarfe" lists its own.

Hours typed with no question open ("war gestern 3 Stunden da", "2,5 Stunden")
go to the date named, or the one passed date without hours; several
candidates get a button each, none a friendly explanation.
Conversation states: ``hours`` (typed hours for one date), ``certificate``
(the name for the certificate).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from core.errors import DomainError, InvalidValue
from core.schedule import last_moment
from core.services.certificate import (
    CertificateBranding,
    NothingToCertify,
    holder_name_of,
    issue_certificate,
)
from core.services.hours import (
    MAX_HOURS,
    HoursLine,
    dates_for_hours,
    decide_hours,
    follow_up_day,
    hours_out_of_range,
    hours_summary,
    hours_waiting,
    log_hours,
    open_follow_up,
    parse_hours,
)
from core.services.org_links import organisations_of_person
from core.services.timeline import timeline_of
from dialogue.choices import label_key
from dialogue.flows import skipping
from dialogue.markup import escape
from dialogue.messages import Attachment, Button
from dialogue.nlu.extractors.named_days import named_day
from dialogue.registry import on_command, on_payload
from dialogue.turn import Event, Turn
from dialogue.understanding import polite_stripped

BUTTON_HOURS = (1, 2, 3, 4)
MAX_BUTTON_HOURS = 12
_LOG = re.compile(r"(\d{1,12}):(\d{8}):(\d{1,2}|q\d{1,2}|ask)(:set)?")
_DECIDE = re.compile(r"(ok|no):(\d{1,12})")
# Typed instead of the command (no NLU intent is named for it in DESIGN.md).
ASKING_FOR_CERTIFICATE = frozenset(
    {
        "nachweis",
        "mein nachweis",
        "ehrenamtsnachweis",
        "mein ehrenamtsnachweis",
        "certificate",
        "my certificate",
        "volunteering certificate",
    }
)


def hours_text(turn: Turn, value: float) -> str:
    return turn.t.number(value)


def day_text(turn: Turn, day: date) -> str:
    tz = ZoneInfo(turn.tenant.timezone)
    return turn.t.date(datetime(day.year, day.month, day.day, 12, tzinfo=tz))


# -- logging ---------------------------------------------------------------------


@on_payload("hrs", ends_form=True)
async def _hrs_button(turn: Turn, event: Event, match: re.Match[str]) -> None:
    await payload(turn, match.group(0))


async def payload(turn: Turn, rest: str) -> None:
    """``hrs:...`` (module docstring)."""
    t = turn.t
    if turn.person is None:
        turn.say(t("error.stale_button"), turn.menu())
        return
    if rest == "keep":
        turn.state.finish()
        turn.say(t("hours.kept"), turn.menu())
        return
    if rest == "waiting":
        turn.state.finish()
        if not await waiting(turn):
            turn.say(t("error.not_allowed"), turn.menu())
        return
    if m := _DECIDE.fullmatch(rest):
        turn.state.finish()
        await decide(turn, int(m.group(2)), m.group(1) == "ok")
        return
    m = _LOG.fullmatch(rest)
    if m is None:
        turn.say(t("error.stale_button"), turn.menu())
        return
    try:
        day = datetime.strptime(m.group(2), "%Y%m%d").date()
    except ValueError:
        turn.say(t("error.stale_button"), turn.menu())
        return
    engagement_id = int(m.group(1))
    if m.group(3) == "ask":
        turn.state.start("hours", {"engagement": engagement_id, "day": day.isoformat()})
        turn.say(t("hours.ask", day=day_text(turn, day)), turn.nav(back=False))
        return
    turn.state.finish()
    raw = m.group(3)
    value = int(raw[1:]) / 4 if raw.startswith("q") else float(raw)
    if not 0 < value <= (MAX_HOURS if raw.startswith("q") else MAX_BUTTON_HOURS):
        turn.say(t("error.stale_button"), turn.menu())
        return
    source = "typed" if raw.startswith("q") else "button"
    await record(turn, engagement_id, day, value, source, replace=m.group(4) is not None)


async def legacy_button(turn: Turn, engagement_id: int, value: int) -> None:
    """``hours:<engagement>:<n>`` of follow-ups sent before hours were kept
    per date: the date that follow-up asked about."""
    if turn.person is None:
        turn.say(turn.t("error.stale_button"), turn.menu())
        return
    day = await follow_up_day(turn.app.db, engagement_id, turn.now)
    await record(turn, engagement_id, day, float(value), "button")


def _payload(engagement_id: int, day: date, value: float) -> str:
    return f"hrs:{engagement_id}:{day:%Y%m%d}:q{round(value * 4)}"


async def record(
    turn: Turn,
    engagement_id: int,
    day: date,
    value: float,
    source: str,
    *,
    replace: bool = False,
) -> None:
    t = turn.t
    assert turn.person is not None
    try:
        logged = await log_hours(
            turn.app.db,
            person_id=turn.person.id,
            engagement_id=engagement_id,
            day=day,
            hours=value,
            source=source,
            now=turn.now,
            replace=replace,
        )
    except DomainError as exc:
        turn.say(t(exc.key), turn.menu())
        return
    values = {
        "hours": hours_text(turn, logged.hours),
        "day": day_text(turn, logged.day),
        "title": escape(logged.title),
        "total": hours_text(turn, logged.total),
    }
    if logged.outcome == "differs":
        assert logged.offered is not None
        offered = hours_text(turn, logged.offered)
        turn.say(
            t("hours.differs", offered=offered, **values),
            (
                turn.yes_button(
                    "hours.replace", _payload(engagement_id, logged.day, logged.offered) + ":set",
                    hours=offered,
                ),
                turn.no_button("hours.keep", "hrs:keep", hours=values["hours"]),
            ),
        )  # fmt: skip
        return
    key = {
        "logged": "hours.logged",
        "corrected": "hours.corrected",
        "same": "hours.same",
        "confirmed": "hours.already_confirmed",
    }[logged.outcome]
    turn.say(
        t(key, **values),
        (
            turn.button("reminders.similar", f"similar:{logged.need_id}"),
            turn.button("hours.certificate", "menu:certificate"),
            turn.button("menu.main", "nav:menu"),
        ),
    )


async def text(turn: Turn, said: str) -> bool:
    """Typed text this module answers: the open question of its states, or
    hours typed in answer to a follow-up ("2,5 Stunden"). False: not ours."""
    flow = turn.state.flow
    if flow == "hours":
        await _typed_for_day(turn, said)
        return True
    if flow == "certificate":
        await _name_given(turn, said)
        return True
    if flow is not None:
        return False
    if " ".join(said.casefold().strip(" .!?").split()) in ASKING_FOR_CERTIFICATE:
        await certificate(turn)
        return True
    if turn.person is None:
        return False
    if label_key(polite_stripped(said)) in {
        label_key(w) for w in turn.t("hours.typed.waiting").split(",")
    }:
        return await waiting(turn)  # not a member: the rest of the bot answers
    today = turn.now.astimezone(ZoneInfo(turn.tenant.timezone)).date()
    named = named_day(said, today, past=True)
    rest = said if named is None else said[: named.start] + " " + said[named.end :]
    value = parse_hours(rest, strict=True)
    if value is None:
        if hours_out_of_range(rest, strict=True):  # "gestern 30 Stunden"
            turn.say(turn.t("hours.invalid"), turn.menu())
            return True
        return False
    if named is None:
        found = await open_follow_up(turn.app.db, turn.person.id, turn.now)
        if found is not None:
            await record(turn, found[0], found[1], value, "typed")
            return True
    await _typed_out_of_the_blue(turn, value, None if named is None else named.day)
    return True


async def _typed_out_of_the_blue(turn: Turn, value: float, day: date | None) -> None:
    """Hours typed with no question open: the date named, or the one passed
    date without hours; buttons for several, an explanation for none."""
    t = turn.t
    assert turn.person is not None
    dates, problem = await dates_for_hours(turn.app.db, turn.person.id, turn.now, day)
    if problem is not None:
        turn.say(t(problem.key), turn.menu())
        return
    if not dates:
        key = "hours.none_open" if day is None else "hours.no_date_that_day"
        turn.say(t(key), (turn.button("menu.engagements", "menu:engagements"), *turn.menu()))
        return
    if len(dates) == 1:
        await record(turn, dates[0].engagement_id, dates[0].day, value, "typed")
        return
    turn.say(
        t("hours.which", hours=hours_text(turn, value)),
        (
            *(
                turn.button(
                    "hours.which_date",
                    _payload(d.engagement_id, d.day, value),
                    day=day_text(turn, d.day),
                    title=d.title[:30],
                )
                for d in dates
            ),
            turn.button("menu.main", "nav:menu"),
        ),
    )


async def _typed_for_day(turn: Turn, said: str) -> None:
    slots = turn.state.slots
    stripped = said.strip().replace(",", ".")
    value = parse_hours(said)
    if value is None and re.fullmatch(r"\d{1,2}(\.\d{1,2})?", stripped):
        value = float(stripped)
    if value is None or turn.person is None:
        turn.say(turn.t("hours.not_understood"), turn.nav(back=False))
        return
    turn.state.finish()
    await record(turn, int(slots["engagement"]), date.fromisoformat(slots["day"]), value, "typed")


# -- the organisation confirms ---------------------------------------------------------


MAX_WAITING_LISTED = 10


def waiting_lines(
    turn: Turn, lines: list[HoursLine], *, titles: bool
) -> tuple[list[str], list[Button]]:
    """Hours waiting for the organisation: a line each (with the need's title
    unless one need's detail shows them) and a confirm button each."""
    t = turn.t
    texts: list[str] = []
    buttons: list[Button] = []
    for line in lines[:MAX_WAITING_LISTED]:
        values = {
            "volunteer": escape(line.volunteer or t("hours.someone")),
            "hours": hours_text(turn, line.hours),
            "day": day_text(turn, line.day),
        }
        key = "hours.waiting_line_titled" if titles else "hours.waiting_line"
        texts.append(t(key, title=escape(line.title), **values))
        buttons.append(turn.button("hours.confirm_one", f"hrs:ok:{line.id}", **values))
    if len(lines) > MAX_WAITING_LISTED:
        texts.append(t("hours.waiting_more", count=len(lines) - MAX_WAITING_LISTED))
    return texts, buttons


async def waiting(turn: Turn) -> bool:
    """All hours the member's organisations have not decided yet, each with
    its confirm button. False for someone who is no organisation's member."""
    t = turn.t
    assert turn.person is not None
    orgs = {o.id for o in await organisations_of_person(turn.app.db, turn.person.id)}
    if not orgs:
        return False
    turn.state.org_member = True
    lines = await hours_waiting(turn.app.db, orgs)
    if not lines:
        turn.say(
            t("hours.waiting_none"),
            (turn.button("menu.my_needs", "menu:my_needs"), turn.button("menu.main", "nav:menu")),
        )
        return True
    texts, buttons = waiting_lines(turn, lines, titles=True)
    turn.say(
        "\n".join([t("hours.waiting_header", count=len(lines)), *texts]),
        (
            *buttons,
            turn.button("menu.my_needs", "menu:my_needs"),
            turn.button("menu.main", "nav:menu"),
        ),
        per_row=1,
    )
    return True


async def decide(turn: Turn, entry_id: int, confirm: bool) -> None:
    t = turn.t
    assert turn.person is not None
    orgs = {o.id for o in await organisations_of_person(turn.app.db, turn.person.id)}
    try:
        line = await decide_hours(
            turn.app.db,
            entry_id=entry_id,
            organisation_ids=orgs,
            confirm=confirm,
            actor=f"person:{turn.person.id}",
            now=turn.now,
        )
    except DomainError as exc:
        turn.say(t(exc.key), turn.menu())
        return
    left = len(await hours_waiting(turn.app.db, orgs))
    more = (turn.button("hours.waiting_next", "hrs:waiting", count=left),) if left else ()
    turn.say(
        t(
            "hours.org_confirmed" if confirm else "hours.org_rejected",
            hours=hours_text(turn, line.hours),
            day=day_text(turn, line.day),
            title=escape(line.title),
            volunteer=escape(line.volunteer or t("hours.someone")),
        ),
        (*more, *turn.menu()),
    )


# -- Mein Nachweis -------------------------------------------------------------------


def _public_url(turn: Turn) -> str:
    """Where the web app is reached (as ``bots.web.config.WebConfig`` reads it)."""
    return turn.app.public_url


@on_command("certificate")
async def _certificate_command(turn: Turn, args: str) -> None:
    await certificate(turn)


async def certificate(turn: Turn) -> None:
    """``/nachweis``: the certificate of the confirmed hours, once the name
    for it is known (asked the first time)."""
    t = turn.t
    if turn.person is None:
        turn.say(t("certificate.no_person"), turn.menu())
        return
    summary = await hours_summary(turn.app.db, turn.person.id)
    if not summary.items:
        key = "certificate.only_pending" if summary.pending else "certificate.nothing"
        turn.say(t(key, pending=hours_text(turn, summary.pending)), turn.menu())
        return
    name = await holder_name_of(turn.app.db, turn.person.id)
    if name is None:
        turn.state.start("certificate")
        turn.say(t("certificate.ask_name"), turn.nav(back=False))
        return
    await _issue(turn, name)


async def _name_given(turn: Turn, said: str) -> None:
    try:
        await _issue(turn, said)
    except InvalidValue:
        turn.say(turn.t("certificate.bad_name"), turn.nav(back=False))


async def _issue(turn: Turn, name: str) -> None:
    t = turn.t
    assert turn.person is not None
    branding = turn.tenant.branding
    base = _public_url(turn)
    try:
        issued = await issue_certificate(
            turn.app.db,
            person_id=turn.person.id,
            holder_name=name,
            branding=CertificateBranding(
                tenant_name=turn.tenant.name,
                bot_name=branding.bot_name,
                primary_color=branding.primary_color,
                secondary_color=branding.secondary_color,
            ),
            verify_url=f"{base}/t/{turn.tenant.slug}/nachweis",
            now=turn.now,
            tz=ZoneInfo(turn.tenant.timezone),
        )
    except NothingToCertify:
        turn.state.finish()
        turn.say(t("certificate.nothing"), turn.menu())
        return
    turn.state.finish()
    content = issued.content
    lines = [
        t(
            "certificate.ready",
            name=escape(content.holder),
            total=hours_text(turn, content.total),
        )
    ]
    for item in content.lines:
        lines.append(
            t(
                "certificate.line",
                organisation=escape(item.organisation),
                activity=escape(item.activity),
                hours=hours_text(turn, item.hours),
            )
        )
    lines.append(
        t(
            "certificate.code",
            code=content.code,
            url=escape(f"{base}/t/{turn.tenant.slug}/nachweis/{content.code}"),
        )
    )
    turn.say(
        "\n".join(lines),
        (turn.button("menu.engagements", "menu:engagements"), turn.button("menu.main", "nav:menu")),
        attachments=(
            Attachment(f"ehrenamtsnachweis-{content.code}.pdf", "application/pdf", issued.pdf),
        ),
    )


# -- Meine Termine ---------------------------------------------------------------------


async def engagements(turn: Turn) -> None:
    """What lies ahead (weekly ones by their next date, each with a way to
    withdraw), then what was done lately (no withdrawing; hours to log)."""
    t = turn.t
    if turn.person is None:
        turn.say(t("engagements.none"), turn.menu())
        return
    timeline = await timeline_of(turn.app.db, turn.person.id, turn.now)
    if not timeline.ahead and not timeline.past:
        turn.say(
            t("engagements.none"),
            (
                turn.button("menu.matches", "menu:matches"),
                turn.button("menu.search", "menu:search"),
                turn.button("menu.main", "nav:menu"),
            ),
        )
        return
    lines: list[str] = [t("engagements.header")]
    buttons: list[Button] = []
    for i, item in enumerate(timeline.ahead, 1):
        when = t.when_range(item.next_start, item.next_end)
        if item.weekly:
            when = t("timeline.weekly_next", when=when)
            if item.until is not None:
                when += " " + t("timeline.until", date=t.date(last_moment(item.until)))
        line = f"{i}. <b>{escape(item.title)}</b> · {escape(when)}"
        if item.waitlisted:
            line += " · " + t("engagements.waitlisted")
        lines.append(line)
        buttons.append(turn.button("engagements.withdraw", f"eng:{item.id}:withdraw", number=i))
        if item.next_skipped:
            lines[-1] += " · " + t("timeline.skipped")
        if item.skippable_start is not None:  # never a skipped or begun date
            buttons.append(
                skipping.skip_button(
                    turn,
                    item.id,
                    item.skippable_start,
                    i,
                    named=item.skippable_start != item.next_start,
                )
            )
    if timeline.past:
        if timeline.ahead:
            lines.append("")
        lines.append(t("timeline.past_header"))
    for item in timeline.past:
        assert item.last_day is not None
        line = f"• <b>{escape(item.title)}</b> · {escape(day_text(turn, item.last_day))}"
        if item.hours:
            line += " · " + t("timeline.hours", hours=hours_text(turn, item.hours))
        lines.append(line)
        if item.pending_day is not None:
            buttons.append(
                turn.button(
                    "timeline.log_hours",
                    f"hrs:{item.id}:{item.pending_day.strftime('%Y%m%d')}:ask",
                    day=day_text(turn, item.pending_day),
                    title=item.title[:30],
                )
            )
    buttons.append(turn.button("hours.certificate", "menu:certificate"))
    buttons.append(turn.button("menu.calendar", "menu:calendar"))
    buttons.append(turn.button("menu.reminders", "menu:reminders"))
    buttons.append(turn.button("menu.main", "nav:menu"))
    turn.say("\n".join(lines), buttons)
