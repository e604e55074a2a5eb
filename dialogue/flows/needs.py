"""Signing up for a need, my engagements, withdrawing.

```mermaid
flowchart LR
  detail -->|need:<id>:signup| consent{Zustimmung?}
  consent -->|nein| onboarding
  consent -->|ja| signup([Platz + .ics]) & wait([Warteliste Platz N])
  engagements[Meine Termine] -->|eng:<id>:withdraw| sure{Sicher?} -->|ja| withdrawn([abgemeldet; Nachrücker])
```
"""

from __future__ import annotations

import re

from core.errors import DomainError, NeedNotOpen, UnknownNeed
from core.qualification_help import help_text
from core.services.needs import NeedDetail, need_detail, need_for_volunteer
from core.services.profiles import ProfileData, get_profile, record_qualification
from core.services.signup import engagements_of, sign_up, withdraw
from dialogue.calendar import need_calendar
from dialogue.flows import display_name, hours, matches, onboarding
from dialogue.markup import escape
from dialogue.messages import Attachment, Button
from dialogue.nlu.result import ParseResult
from dialogue.registry import on_command, on_intent, on_payload
from dialogue.turn import Event, Turn


def missing_qualifications(
    required: tuple[str, ...], profile: ProfileData | None, answered: list[str]
) -> list[str]:
    """What a need asks for that the person has neither said they have nor
    answered in this conversation."""
    has = set(profile.qualifications) if profile else set()
    return [q for q in required if q not in has and q not in answered]


def qualification_question(turn: Turn, need_id: int, code: str) -> tuple[str, list[Button]]:
    """ "Hast du ein erweitertes Führungszeugnis?", its help text and the answers."""
    t = turn.t
    label = onboarding.qualification_label(turn.app.taxonomy, code, turn.lang)
    key = code.partition(":")[0]
    text = t(f"qualification.ask.{key}", label=escape(label))
    text += "\n" + escape(help_text(turn.app.taxonomy, code, turn.lang, t.form))
    base = f"need:{need_id}:q:{code}"
    buttons = [
        turn.yes_button("qualification.yes", f"{base}:yes"),
        turn.button("qualification.later", f"{base}:later"),
        turn.no_button("qualification.no", f"{base}:no"),
    ]
    return text, buttons


async def answer_qualification(turn: Turn, payload: str) -> None:
    """``need:<id>:q:<code>:yes|later|no``: record the answer, then sign up
    (yes, later) or say why not (no: only this excludes such needs)."""
    head, _, answer = payload.rpartition(":")
    _, need_id_raw, _, code = head.split(":", 3)
    need_id = int(need_id_raw)
    if not turn.app.taxonomy.is_qualification(code) or turn.person is None:
        turn.say(turn.t("error.stale_button"), turn.menu())
        return
    if answer in ("yes", "no"):
        await record_qualification(
            turn.app.db, turn.person.id, code, answer == "yes", turn.app.taxonomy, turn.now
        )
    answered = list(turn.state.view.get("answered") or [])
    turn.state.view["answered"] = [*answered, code][-10:]
    if answer == "no":
        label = onboarding.qualification_label(turn.app.taxonomy, code, turn.lang)
        buttons = (
            [turn.button("need.back_to_list", "nav:list")] if turn.state.view.get("ids") else []
        )
        buttons.append(turn.button("menu.matches", "menu:matches"))
        buttons.append(turn.button("menu.main", "nav:menu"))
        turn.say(
            turn.t("qualification.lacking", label=escape(label))
            + "\n"
            + escape(help_text(turn.app.taxonomy, code, turn.lang, turn.t.form)),
            buttons,
        )
        return
    await sign_up_payload(turn, f"need:{need_id}:signup")


async def sign_up_payload(turn: Turn, payload: str) -> None:
    """``need:<id>:signup``: asks first for a qualification the need requires
    and the person has not mentioned, then signs up."""
    need_id = int(payload.split(":")[1])
    t = turn.t
    if turn.person is None:
        try:  # no consent asked for a date that is over
            await need_for_volunteer(turn.app.db, need_id, tenant_id=turn.tenant_id, now=turn.now)
        except NeedNotOpen:
            if await date_passed(turn, need_id):
                return
        except UnknownNeed:
            pass  # said after consent, as before
        turn.state.start("onboarding")
        turn.state.pending = payload
        turn.say(t("signup.consent_first"))
        await onboarding.ask_consent(turn)
        turn.state.slot = "consent"
        turn.state.push_asked("consent")
        return
    try:
        need = await need_for_volunteer(
            turn.app.db, need_id, tenant_id=turn.tenant_id, now=turn.now
        )
        if need.qualifications:
            profile = await get_profile(turn.app.db, turn.person.id)
            answered = list(turn.state.view.get("answered") or [])
            missing = missing_qualifications(need.qualifications, profile, answered)
            if missing:
                turn.state.view["need"] = need_id
                text, buttons = qualification_question(turn, need_id, missing[0])
                if turn.state.view.get("ids"):
                    buttons.append(turn.button("need.back_to_list", "nav:list"))
                buttons.append(turn.button("menu.main", "nav:menu"))
                turn.say(text, buttons)
                return
        result = await sign_up(turn.app.db, turn.person.id, need_id, turn.now)
    except UnknownNeed:
        turn.say(t("error.unknown_need"), turn.menu())
        return
    except NeedNotOpen as exc:
        if not await date_passed(turn, need_id):
            turn.say(t(exc.key), _after_signup_buttons(turn))
        return
    except DomainError as exc:
        turn.say(
            t(exc.key),
            (
                turn.button("menu.engagements", "menu:engagements"),
                turn.button("menu.matches", "menu:matches"),
                turn.button("menu.main", "nav:menu"),
            ),
        )
        return
    buttons = (
        turn.button("menu.engagements", "menu:engagements"),
        turn.button("menu.matches", "menu:matches"),
        turn.button("menu.main", "nav:menu"),
    )
    if result.waitlisted:
        turn.say(
            t(
                "signup.waitlisted",
                title=escape(need.title),
                position=result.waitlist_position or 1,
            ),
            buttons,
        )
        await display_name.maybe_ask(turn)  # route: display_name.maybe_ask (issue 14)
        return
    attachments = await calendar_file(turn, need)
    text = t("signup.done", title=escape(need.title), organisation=escape(need.organisation))
    if attachments:
        text += "\n" + t("signup.calendar")
    turn.say(text, buttons, attachments=attachments)
    await display_name.maybe_ask(turn)  # route: display_name.maybe_ask (issue 14)


def _after_signup_buttons(turn: Turn) -> tuple[Button, ...]:
    return (
        turn.button("menu.engagements", "menu:engagements"),
        turn.button("menu.matches", "menu:matches"),
        turn.button("menu.main", "nav:menu"),
    )


async def date_passed(turn: Turn, need_id: int) -> bool:
    """A sign-up for a need the volunteer may see whose (last) date is over:
    "Termin vorbei", with what fits instead (True when said). Only after
    ``need_for_volunteer`` let them see it (it raised ``NeedNotOpen``)."""
    try:
        need = await need_detail(turn.app.db, need_id)
    except UnknownNeed:
        return False
    if not need.date_passed(turn.now):
        return False
    buttons = [
        turn.button("menu.matches", "menu:matches"),
        turn.button("menu.search", "menu:search"),
    ]
    if turn.state.view.get("ids"):
        buttons.append(turn.button("need.back_to_list", "nav:list"))
    buttons.append(turn.button("menu.main", "nav:menu"))
    turn.say(turn.t("signup.date_passed", title=escape(need.title)), buttons)
    return True


async def calendar_file(turn: Turn, need: NeedDetail) -> tuple[Attachment, ...]:
    """The need as a calendar file for a sign-up (none without a date)."""
    return await need_calendar(turn.app.db, need, tz_name=turn.tenant.timezone, stamp=turn.now)


async def engagements(turn: Turn) -> None:
    """Meine Termine: ahead and done lately (dialogue/flows/hours.py, issue 14.6)."""
    await hours.engagements(turn)


async def withdraw_payload(turn: Turn, payload: str) -> None:
    """``eng:<id>:withdraw`` asks first; ``eng:<id>:withdraw:yes`` does it."""
    parts = payload.split(":")
    engagement_id = int(parts[1])
    t = turn.t
    if turn.person is None:
        turn.say(t("error.unknown_engagement"), turn.menu())
        return
    if parts[-1] != "yes":
        items = {e.id: e for e in await engagements_of(turn.app.db, turn.person.id)}
        item = items.get(engagement_id)
        if item is None:
            turn.say(t("error.unknown_engagement"), turn.menu())
            return
        turn.say(
            t("withdraw.ask", title=escape(item.title)),
            (
                turn.yes_button("withdraw.yes", f"eng:{engagement_id}:withdraw:yes"),
                turn.no_button("withdraw.no", "menu:engagements"),
            ),
        )
        return
    try:
        result = await withdraw(turn.app.db, turn.person.id, engagement_id, turn.now)
    except DomainError as exc:
        turn.say(t(exc.key), turn.menu())
        return
    # The moved-up person's own message comes with the reminders (an outbox row).
    text = t("withdraw.done")
    if result.moved_up_person_id is not None:
        text += " " + t("withdraw.moved_up")
    turn.say(
        text,
        (
            turn.button("menu.engagements", "menu:engagements"),
            turn.button("menu.matches", "menu:matches"),
            turn.button("menu.main", "nav:menu"),
        ),
    )


# -- routes ----------------------------------------------------------------------


@on_command("engagements")
async def _engagements_command(turn: Turn, args: str) -> None:
    await engagements(turn)


@on_payload("need", r"\d{1,12}:q:[a-z_]{1,20}(:[a-z]{2})?:(yes|later|no)")
async def _qualification_answer(turn: Turn, event: Event, match: re.Match[str]) -> None:
    await answer_qualification(turn, event.payload)


@on_payload("need", r"\d{1,12}:signup")
async def _sign_up_button(turn: Turn, event: Event, match: re.Match[str]) -> None:
    turn.state.finish()
    await sign_up_payload(turn, event.payload)


@on_payload("eng", r"\d{1,12}:withdraw(:yes)?")
async def _withdraw_button(turn: Turn, event: Event, match: re.Match[str]) -> None:
    await withdraw_payload(turn, event.payload)


@on_intent("sign_up")
async def _sign_up_intent(turn: Turn, parse: ParseResult) -> None:
    need_id = turn.state.view.get("need")
    if need_id:
        await sign_up_payload(turn, f"need:{int(need_id)}:signup")
    else:
        await matches.show(turn, kind="matches")
