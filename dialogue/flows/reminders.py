"""Answers to the messages the service sends on its own, and "my reminders".

Payloads: ``attend:<engagement>:yes|no`` (24 h reminder), ``unfit:<engagement>``
(a changed need no longer fits: asks, ``:yes`` withdraws, ``:no`` stays),
``alert:<need>:yes|no``
(urgent alert or freed place), ``hours:<engagement>:<n>`` (follow-up),
``similar:<need>``, ``extend:<need>`` (organisation), ``mute:<kind>`` /
``unmute:<kind>`` (my reminders).
"""

from __future__ import annotations

import re
from dataclasses import replace

from core.errors import DomainError, UnknownNeed
from core.reminders.alerts import answer_alert, answer_attendance
from core.reminders.kinds import MUTABLE_KINDS
from core.schedule import last_moment
from core.services.needs import need_detail, need_details, need_for_volunteer
from core.services.org_links import organisations_of_person
from core.services.org_notices import LEFT_AFTER_CHANGE
from core.services.organisations import extend_need, need_owner
from core.services.profiles import get_profile, save_profile
from core.services.signup import engagements_of, withdraw
from dialogue import routing
from dialogue.calendar import need_calendar
from dialogue.commands import COMMANDS
from dialogue.flows import display_name, matches
from dialogue.flows import hours as hours_flow
from dialogue.flows import needs as needs_flow
from dialogue.markup import escape
from dialogue.messages import Attachment
from dialogue.registry import on_command, on_payload
from dialogue.turn import Event, Turn

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
    elif answer.outcome == "skipped" and answer.skipped_start is not None:
        # As a skip from "Meine Termine": the new file leaves the date out.
        files = await need_calendar(
            turn.app.db,
            await need_detail(turn.app.db, answer.need_id),
            tz_name=turn.tenant.timezone,
            stamp=turn.now,
            engagement_id=engagement_id,
        )
        text = t(
            "reminders.skips_date",
            date=escape(t.when(answer.skipped_start)),
            title=escape(answer.need_title),
        )
        turn.say(
            text + ("\n" + t("skip.calendar") if files else ""), turn.menu(), attachments=files
        )
    else:
        turn.say(t("reminders.not_coming"), turn.menu())


async def unfit(turn: Turn, engagement_id: int, answer: str | None) -> None:
    """The need changed and no longer fits (``notify.need_unfit``): withdraw
    after one more question, and the organisation hears it was the change
    (``left_after_change``); or stay."""
    t = turn.t
    mine = (
        {e.id: e for e in await engagements_of(turn.app.db, turn.person.id)}
        if turn.person is not None
        else {}
    )
    item = mine.get(engagement_id)
    if turn.person is None or item is None:
        turn.say(t("error.unknown_engagement"), turn.menu())
        return
    if answer == "no":
        turn.say(t("withdraw.unfit_stay"), turn.menu())
        return
    if answer is None:
        turn.say(
            t("withdraw.unfit_ask", title=escape(item.title)),
            (
                turn.yes_button("withdraw.yes", f"unfit:{engagement_id}:yes"),
                turn.no_button("withdraw.no", f"unfit:{engagement_id}:no"),
            ),
        )
        return
    try:
        result = await withdraw(
            turn.app.db, turn.person.id, engagement_id, turn.now, notice=LEFT_AFTER_CHANGE
        )
    except DomainError as exc:
        turn.say(t(exc.key), turn.menu())
        return
    text = t("withdraw.done")
    if result.moved_up_person_id is not None:
        text += " " + t("withdraw.moved_up")
    turn.say(
        text,
        (
            turn.button("menu.matches", "menu:matches"),
            turn.button("menu.engagements", "menu:engagements"),
            turn.button("menu.main", "nav:menu"),
        ),
    )


async def alert(turn: Turn, need_id: int, yes: bool) -> None:
    t = turn.t
    if turn.person is None:
        turn.say(t("reminders.alert_unknown"), turn.menu())
        return
    answer = await answer_alert(turn.app.db, turn.person.id, need_id, yes, turn.now)
    if answer.outcome == "signed_up":
        files: tuple[Attachment, ...] = ()
        try:  # the date in the calendar, as at any sign-up
            need = await need_for_volunteer(
                turn.app.db, need_id, tenant_id=turn.tenant_id, now=turn.now
            )
            files = await needs_flow.calendar_file(turn, need)
        except DomainError:
            pass
        turn.say(t("reminders.alert_thanks"), attachments=files)
        await matches.detail(turn, need_id)
        await display_name.maybe_ask(turn)  # the name organisations see, as at any sign-up
    elif answer.outcome == "already_filled":
        turn.say(t("reminders.alert_filled"), turn.menu())
    elif answer.outcome == "already_signed_up":
        turn.say(t("error.already_signed_up"), turn.menu())
    else:
        turn.say(t("reminders.alert_declined"), turn.menu())


async def hours(turn: Turn, engagement_id: int, value: int) -> None:
    """``hours:<engagement>:<n>`` of older follow-ups: kept per date now."""
    if not 0 < value <= MAX_HOURS:
        turn.say(turn.t("error.stale_button"), turn.menu())
        return
    await hours_flow.legacy_button(turn, engagement_id, value)


async def similar(turn: Turn, need_id: int) -> None:
    need = (await need_details(turn.app.db, [need_id])).get(need_id)
    if need is None:
        await matches.stale(turn)
        return
    search_filter = {"categories": [need.category]}
    turn.state.view["filter"] = search_filter
    await matches.show(turn, kind="search", flt=search_filter)


async def extend(turn: Turn, need_id: int) -> None:
    t = turn.t
    if turn.person is None:
        turn.say(t("error.not_allowed"), turn.menu())
        return
    try:
        org_id, _ = await need_owner(turn.app.db, need_id)
    except UnknownNeed:
        org_id = None
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
    turn.say(t("reminders.extended", until=escape(t.date(last_moment(until)))), turn.menu())


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


# -- routes ----------------------------------------------------------------------
# Answers to reminders, alerts and follow-ups arrive out of the blue, so they
# end whatever form was open (``ends_form``).


@on_command("reminders")
async def _reminders_action(turn: Turn, args: str) -> None:
    await show(turn)


@on_payload("attend", r"(\d{1,12}):(yes|no)", ends_form=True)
async def _attend_button(turn: Turn, event: Event, match: re.Match[str]) -> None:
    await attend(turn, int(match.group(1)), match.group(2) == "yes")


@on_payload("unfit", r"(\d{1,12})(?::(yes|no))?", ends_form=True)
async def _unfit_button(turn: Turn, event: Event, match: re.Match[str]) -> None:
    await unfit(turn, int(match.group(1)), match.group(2))


@on_payload("alert", r"(\d{1,12}):(yes|no)", ends_form=True)
async def _alert_button(turn: Turn, event: Event, match: re.Match[str]) -> None:
    await alert(turn, int(match.group(1)), match.group(2) == "yes")


@on_payload("hours", r"(\d{1,12}):(\d{1,2})", ends_form=True)
async def _hours_button(turn: Turn, event: Event, match: re.Match[str]) -> None:
    await hours(turn, int(match.group(1)), int(match.group(2)))


@on_payload("similar", r"\d{1,12}", ends_form=True)
async def _similar_button(turn: Turn, event: Event, match: re.Match[str]) -> None:
    await similar(turn, int(match.group(0)))


@on_payload("extend", r"(\d{1,12})(:\d{1,3})?", ends_form=True)
async def _extend_button(turn: Turn, event: Event, match: re.Match[str]) -> None:
    await extend(turn, int(match.group(1)))


@on_payload("keep", "data", ends_form=True)
async def _keep_data_button(turn: Turn, event: Event, match: re.Match[str]) -> None:
    # Pressing it is activity: the load of this turn already noted it.
    turn.say(turn.t("reminders.kept"), turn.menu())


@on_payload("digest", ends_form=True)
async def _digest_button(turn: Turn, event: Event, match: re.Match[str]) -> None:
    await digest(turn, match.group(0))


@on_payload("mute", ends_form=True)
async def _mute_button(turn: Turn, event: Event, match: re.Match[str]) -> None:
    await toggle(turn, match.group(0), True)


@on_payload("unmute", ends_form=True)
async def _unmute_button(turn: Turn, event: Event, match: re.Match[str]) -> None:
    await toggle(turn, match.group(0), False)


@on_payload("cmd", "|".join(map(re.escape, COMMANDS)), ends_form=True)
async def _command_button(turn: Turn, event: Event, match: re.Match[str]) -> bool:
    return await routing.command(turn, match.group(0), "")
