"""Answers to the messages the service sends on its own, and "my reminders".

Payloads: ``attend:<engagement>:yes|no`` (24 h reminder), ``alert:<need>:yes|no``
(urgent alert or freed place), ``hours:<engagement>:<n>`` (follow-up),
``similar:<need>``, ``extend:<need>`` (organisation), ``mute:<kind>`` /
``unmute:<kind>`` (my reminders).
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from core.errors import DomainError
from core.models import Engagement, Need
from core.reminders.alerts import answer_alert, answer_attendance
from core.reminders.kinds import MUTABLE_KINDS
from core.services.org_links import organisations_of_person
from core.services.organisations import extend_need
from core.services.profiles import get_profile, save_profile
from dialogue.flows import matches
from dialogue.markup import escape
from dialogue.turn import Turn

MAX_HOURS = 24


async def attend(turn: Turn, engagement_id: int, coming: bool) -> None:
    t = turn.t
    if turn.person is None:
        turn.say(t("error.unknown_engagement"), turn.menu())
        return
    try:
        answer = await answer_attendance(
            turn.app.db, turn.person.id, engagement_id, coming, turn.now
        )
    except DomainError as exc:
        turn.say(t(exc.key), turn.menu())
        return
    if answer.outcome == "confirmed":
        turn.say(t("reminders.coming"), turn.menu())
    else:
        turn.say(t("reminders.not_coming"), turn.menu())


async def alert(turn: Turn, need_id: int, yes: bool) -> None:
    t = turn.t
    if turn.person is None:
        turn.say(t("reminders.alert_unknown"), turn.menu())
        return
    answer = await answer_alert(turn.app.db, turn.person.id, need_id, yes, turn.now)
    if answer.outcome == "signed_up":
        turn.say(t("reminders.alert_thanks"))
        await matches.detail(turn, need_id)
    elif answer.outcome == "already_filled":
        turn.say(t("reminders.alert_filled"), turn.menu())
    elif answer.outcome == "already_signed_up":
        turn.say(t("error.already_signed_up"), turn.menu())
    else:
        turn.say(t("reminders.alert_declined"), turn.menu())


async def hours(turn: Turn, engagement_id: int, value: int) -> None:
    t = turn.t
    if turn.person is None or not 0 < value <= MAX_HOURS:
        turn.say(t("error.stale_button"), turn.menu())
        return
    async with turn.app.db.transaction() as session:
        engagement = await session.get(Engagement, engagement_id)
        if engagement is None or engagement.person_id != turn.person.id:
            turn.say(t("error.unknown_engagement"), turn.menu())
            return
        engagement.hours, engagement.updated_at = float(value), turn.now
        need_id = engagement.need_id
    turn.say(
        t("reminders.hours_thanks", hours=value),
        (
            turn.button("reminders.similar", f"similar:{need_id}"),
            turn.button("menu.main", "nav:menu"),
        ),
    )


async def similar(turn: Turn, need_id: int) -> None:
    async with turn.app.db.sessions() as session:
        category = await session.scalar(select(Need.category).where(Need.id == need_id))
    if category is None:
        await matches.stale(turn)
        return
    search_filter = {"categories": [category]}
    turn.state.view["filter"] = search_filter
    await matches.show(turn, kind="search", flt=search_filter)


async def extend(turn: Turn, need_id: int) -> None:
    t = turn.t
    if turn.person is None:
        turn.say(t("error.not_allowed"), turn.menu())
        return
    async with turn.app.db.sessions() as session:
        org_id = await session.scalar(select(Need.organisation_id).where(Need.id == need_id))
    members = {o.id for o in await organisations_of_person(turn.app.db, turn.person.id)}
    if org_id is None or org_id not in members:
        turn.say(t("error.not_allowed"), turn.menu())
        return
    try:
        until = await extend_need(
            turn.app.db, org_id, need_id, now=turn.now, actor=f"person:{turn.person.id}"
        )
    except DomainError as exc:
        turn.say(t(exc.key), turn.menu())
        return
    turn.say(t("reminders.extended", until=escape(t.date(until))), turn.menu())


async def show(turn: Turn) -> None:
    """My reminders: each kind with a switch."""
    t = turn.t
    profile = await get_profile(turn.app.db, turn.person.id) if turn.person else None
    if profile is None:
        turn.say(t("reminders.no_profile"), turn.menu())
        return
    lines = [t("reminders.header")]
    buttons = []
    for kind in MUTABLE_KINDS:
        muted = kind in profile.muted_kinds
        state = t("reminders.off") if muted else t("reminders.on")
        lines.append(f"• {t(f'reminders.kind.{kind}')}: {state}")
        action = "unmute" if muted else "mute"
        buttons.append(
            turn.button(f"reminders.{action}", f"{action}:{kind}", kind=t(f"reminders.kind.{kind}"))
        )
    if profile.digest:
        day = t(f"reminders.weekday.{profile.digest_weekday}")
        lines.append(t("reminders.digest_on", day=day, hour=profile.digest_hour))
        buttons.append(turn.button("reminders.digest_stop", "digest:off"))
    else:
        buttons.append(turn.button("reminders.digest_start", "digest:setup"))
    buttons.append(turn.button("menu.engagements", "menu:engagements"))
    turn.say("\n".join(lines), buttons)


async def toggle(turn: Turn, kind: str, mute: bool) -> None:
    profile = await get_profile(turn.app.db, turn.person.id) if turn.person else None
    if profile is None or kind not in MUTABLE_KINDS:
        await matches.stale(turn)
        return
    muted = set(profile.muted_kinds)
    muted = muted | {kind} if mute else muted - {kind}
    ordered = tuple(k for k in MUTABLE_KINDS if k in muted)
    await save_profile(
        turn.app.db, replace(profile, muted_kinds=ordered), turn.app.taxonomy, turn.now
    )
    await show(turn)


def ask_relay_answer(turn: Turn, message_id: int) -> None:
    """An organisation wrote through the web; the next text is the answer."""
    turn.state.start("relay", {"message_id": message_id})
    turn.say(turn.t("relay.ask"), turn.nav(back=False))


DIGEST_HOURS = (8, 12, 18, 20)


async def digest(turn: Turn, rest: str) -> None:
    """``digest:setup`` -> which day; ``digest:day:<d>`` -> which hour;
    ``digest:hour:<d>:<h>`` switches it on; ``digest:off`` switches it off."""
    t = turn.t
    profile = await get_profile(turn.app.db, turn.person.id) if turn.person else None
    if profile is None:
        turn.say(t("reminders.no_profile"), turn.menu())
        return
    parts = rest.split(":")
    if parts == ["setup"]:
        turn.say(
            t("reminders.digest_which_day"),
            tuple(turn.button(f"reminders.weekday.{d}", f"digest:day:{d}") for d in range(7)),
            per_row=4,
        )
    elif len(parts) == 2 and parts[0] == "day" and parts[1] in "0123456" and parts[1]:
        turn.say(
            t("reminders.digest_which_hour"),
            tuple(
                turn.button("reminders.hour", f"digest:hour:{parts[1]}:{h}", hour=h)
                for h in DIGEST_HOURS
            ),
            per_row=4,
        )
    elif (
        len(parts) == 3
        and parts[0] == "hour"
        and parts[1] in "0123456"
        and parts[1]
        and parts[2].isdigit()
        and int(parts[2]) in DIGEST_HOURS
    ):
        await save_profile(
            turn.app.db,
            replace(profile, digest=True, digest_weekday=int(parts[1]), digest_hour=int(parts[2])),
            turn.app.taxonomy,
            turn.now,
        )
        await show(turn)
    elif parts == ["off"]:
        await save_profile(turn.app.db, replace(profile, digest=False), turn.app.taxonomy, turn.now)
        await show(turn)
    else:
        await matches.stale(turn)
