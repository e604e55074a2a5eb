"""Meine Bedarfe: an organisation member's needs in the chat (issue 14.1).

``/bedarfe`` (``/needs``) lists the needs of the member's organisations with
their sign-up counts; each opens with what can be done with it. Payloads
(prefix ``orgn:``): ``orgn:<id>`` one need, ``orgn:<id>:edit`` opens it in
the posting form at its preview, ``orgn:<id>:close`` asks and
``orgn:<id>:close:yes`` takes no more sign-ups,
``orgn:<id>:cancel`` asks and ``orgn:<id>:cancel:yes`` cancels (the people
signed up are told once, through the outbox: ``needs.cancel_need``),
``orgn:<id>:extend`` moves a weekly need's end date four weeks on,
``orgn:<id>:reopen`` takes sign-ups again on a need closed early
(``organisations.reopen_need``: not once its date is over or its places are
taken; an urgent one asks people nearby again),
``orgn:<id>:noshow:<engagement>`` asks and ``…:noshow:<engagement>:yes`` notes
that someone did not come to the latest date that has begun,
``orgn:more:<n>`` lists on from the n-th need. The detail lists the hours
waiting for the organisation's confirmation, each with its ``hrs:ok:<entry>``
button (``dialogue.flows.hours``).

```mermaid
flowchart LR
  list[Meine Bedarfe] -->|orgn:id| need[Bedarf + Anmeldungen]
  need -->|edit| form([Vorschau im Formular])
  need -->|close| closing{Sicher?} -->|ja| closed([keine neuen Anmeldungen])
  need -->|noshow| missing{Sicher?} -->|ja| noted([nicht erschienen vermerkt])
  need -->|cancel| sure{Sicher?} -->|ja| cancelled([abgesagt; Angemeldete informiert])
  need -->|extend| extended([4 Wochen länger])
  need -->|reopen| reopened([nimmt wieder Anmeldungen an])
```
"""

from __future__ import annotations

import re

from core.errors import ChangePending, DatePassed, DomainError, NeedNotOpen, UnknownNeed
from core.schedule import date_passed, last_moment
from core.services.hours import hours_waiting
from core.services.needs import OwnNeed, cancel_need, own_need
from core.services.org_links import OrgRef, organisations_of_person
from core.services.organisations import (
    extend_need,
    mark_filled,
    needs_of,
    reopen_need,
    signups_of,
)
from core.services.signup import mark_no_show, no_show_date, no_shows_noted
from dialogue.choices import label_key
from dialogue.flows import hours, post_need
from dialogue.markup import escape
from dialogue.registry import on_command, on_payload
from dialogue.turn import Event, Turn
from dialogue.understanding import polite_stripped

MAX_LISTED = 10
LISTED = ("draft", "pending_review", "published", "filled", "expired")
CAN_CANCEL = ("draft", "pending_review", "published", "filled")
# Sign-ups that hold a place, also after the date: there ("done"), or not.
_HELD = ("interested", "accepted", "done", "no_show")


def _actor(turn: Turn) -> str:
    """Who acts, as the audit log names a member in the chat."""
    return f"person:{turn.person.id if turn.person else 0}"


async def _orgs(turn: Turn) -> list[OrgRef]:
    if turn.person is None:
        return []
    return await organisations_of_person(turn.app.db, turn.person.id)


@on_command("my_needs")
async def _my_needs_command(turn: Turn, args: str) -> None:
    await show(turn)


@on_payload("orgn")
async def _orgn_button(turn: Turn, event: Event, match: re.Match[str]) -> None:
    await payload(turn, match.group(0))


async def show(turn: Turn, offset: int = 0) -> None:
    """The list: open needs first, newest first, each with its date and
    sign-ups; a season's worth pages on with "Mehr"."""
    t = turn.t
    orgs = await _orgs(turn)
    if not orgs:
        turn.say(t("post.not_linked"), turn.menu())
        return
    turn.state.org_member = True
    turn.state.finish()
    rows = []
    for org in orgs:
        rows += [(org, n) for n in await needs_of(turn.app.db, org.id) if n.status.value in LISTED]
    rows.sort(key=lambda row: row[1].status.value == "expired")  # stable: newest first kept
    if offset >= len(rows):
        offset = 0
    if not rows:
        turn.say(
            t("my_needs.none"),
            (turn.button("menu.post", "menu:post"), turn.button("menu.main", "nav:menu")),
        )
        return
    lines = [t("my_needs.header")]
    buttons = []
    for i, (org, need) in enumerate(rows[offset : offset + MAX_LISTED], offset + 1):
        if need.weekly:
            when = t("my_needs.weekly")
            if need.valid_until is not None:
                when += " · " + t("my_needs.until", date=t.date(last_moment(need.valid_until)))
        else:
            when = t.when(need.starts_at) if need.starts_at else ""
        line = t(
            "my_needs.line",
            number=i,
            title=escape(need.title),
            when=escape(when),
            signups=need.signups,
            wanted=need.helpers_wanted,
            status=t(f"my_needs.status.{need.status.value}"),
        )
        if need.waiting:
            line += t("my_needs.waiting_count", count=need.waiting)
        if need.change_pending:
            line += t("my_needs.change_waiting_short")
        if len(orgs) > 1:
            line += f" · {escape(org.name)}"
        lines.append(line)
        buttons.append(turn.button("my_needs.open", f"orgn:{need.id}", number=i))
    if offset + MAX_LISTED < len(rows):
        buttons.append(turn.button("my_needs.more", f"orgn:more:{offset + MAX_LISTED}"))
    buttons += [turn.button("menu.post", "menu:post"), turn.button("menu.main", "nav:menu")]
    turn.say("\n".join(lines), buttons, per_row=5)


async def _owned(turn: Turn, need_id: int) -> tuple[list[OrgRef], OwnNeed] | None:
    orgs = await _orgs(turn)
    for org in orgs:
        try:
            return orgs, await own_need(turn.app.db, org.id, need_id)
        except UnknownNeed:
            continue
    turn.say(turn.t("error.not_allowed"), turn.menu())
    return None


async def payload(turn: Turn, rest: str) -> None:
    """``orgn:<id>[:edit|:close[:yes]|:cancel[:yes]|:extend|:noshow:<e>[:yes]]``,
    ``orgn:more:<offset>``"""
    if more := re.fullmatch(r"more:(\d{1,5})", rest):
        await show(turn, int(more.group(1)))
        return
    match = re.fullmatch(
        r"(\d{1,12})(?::(edit|close|close:yes|cancel|cancel:yes|extend|reopen"
        r"|noshow:\d{1,12}(?::yes)?))?",
        rest,
    )
    if match is None:
        turn.say(turn.t("error.stale_button"), turn.menu())
        return
    need_id, action = int(match.group(1)), match.group(2) or ""
    owned = await _owned(turn, need_id)
    if owned is None:
        return
    orgs, need = owned
    turn.state.finish()
    if action == "":
        await _detail(turn, need)
    elif action == "edit":
        if need.status.value == "cancelled":
            turn.say(turn.t("my_needs.not_possible"), _back(turn))
            return
        await post_need.edit_existing(turn, [(o.id, o.name) for o in orgs], need)
    elif action == "close":
        if need.status.value != "published":
            turn.say(turn.t("my_needs.not_possible"), _back(turn))
            return
        turn.say(
            turn.t("my_needs.close_ask", title=escape(need.title)),
            (
                turn.yes_button("my_needs.close_yes", f"orgn:{need.id}:close:yes"),
                turn.no_button("my_needs.not_now", f"orgn:{need.id}"),
            ),
        )
    elif action == "close:yes":
        await _act(turn, need, "closed", mark_filled)
    elif action == "extend":
        await _extend(turn, need)
    elif action == "reopen":
        await _reopen(turn, need)
    elif action.startswith("noshow:"):
        _, engagement, *sure = action.split(":")
        await _no_show(turn, need, int(engagement), confirmed=bool(sure))
    elif action == "cancel":
        if need.status.value not in CAN_CANCEL:
            turn.say(turn.t("my_needs.not_possible"), _back(turn))
            return
        signed_up = [
            s
            for s in await signups_of(turn.app.db, need.organisation_id, need.id)
            if s.status.value in ("interested", "accepted")
        ]
        ask = "my_needs.cancel_ask" if signed_up else "my_needs.cancel_ask_nobody"
        turn.say(
            turn.t(ask, title=escape(need.title)),
            (
                turn.yes_button("my_needs.cancel_yes", f"orgn:{need.id}:cancel:yes"),
                turn.no_button("my_needs.cancel_no", f"orgn:{need.id}"),
            ),
        )
    else:
        await _cancel(turn, need)


def _back(turn: Turn) -> tuple:  # type: ignore[type-arg]
    return (turn.button("menu.my_needs", "menu:my_needs"), turn.button("menu.main", "nav:menu"))


def _lines(turn: Turn, orgs: list[list[object]], need: OwnNeed) -> list[str]:
    """The need's fields, one line each, as the posting form's preview shows them."""
    turn.state.start("post_need", post_need.slots_of(turn, orgs, need))
    lines = post_need.preview_lines(turn)
    turn.state.finish()
    return lines


async def _detail(turn: Turn, need: OwnNeed) -> None:
    t = turn.t
    orgs: list[list[object]] = [[o.id, o.name] for o in await _orgs(turn)]
    text = _lines(turn, orgs, need)
    wanted = need.helpers_wanted
    if need.change_pending:
        # What the public sees, then what changes once an editor approves.
        public = await own_need(turn.app.db, need.organisation_id, need.id, live=True)
        live, wanted = _lines(turn, orgs, public), public.helpers_wanted
        text = [*live, t("my_needs.change_waiting"), *(x for x in text if x not in live)]
    people = [
        s
        for s in await signups_of(turn.app.db, need.organisation_id, need.id)
        if s.status.value in _HELD
    ]
    held = [s for s in people if not s.waitlisted]
    text.append(t("my_needs.signups", signups=len(held), wanted=wanted))
    names = [
        escape(s.name or t("my_needs.someone")) + (t("my_needs.waiting") if s.waitlisted else "")
        for s in people
    ]
    if names:
        text.append(t("my_needs.names", names=", ".join(names)))
    text += [
        # what a volunteer chose to share with this organisation (issue 14.4)
        t(
            "my_needs.contact",
            name=escape(s.name or t("my_needs.someone")),
            contact=escape(" · ".join(c for c in (s.phone, s.email) if c)),
        )
        for s in people
        if s.contact_shared and (s.phone or s.email)
    ]
    text.append(t("my_needs.status_line", status=t(f"my_needs.status.{need.status.value}")))
    # Hours waiting for the organisation: confirmed here too, not only from the notice.
    logged = await hours_waiting(turn.app.db, {need.organisation_id}, need_id=need.id)
    hours_lines, buttons = hours.waiting_lines(turn, logged, titles=False)
    if hours_lines:
        text += [t("my_needs.hours_waiting"), *hours_lines]
    begun = await no_show_date(turn.app.db, need.id, turn.now)
    if begun is not None and need.status.value in ("published", "filled", "expired"):
        noted = await no_shows_noted(turn.app.db, need.id, turn.now)
        buttons += [
            turn.button(
                "my_needs.no_show",
                f"orgn:{need.id}:noshow:{s.engagement_id}",
                name=escape(s.name or t("my_needs.someone")),
            )
            for s in held[:MAX_LISTED]
            # noted once for this date is enough
            if s.engagement_id not in noted and s.status.value != "no_show"
        ]
    if need.status.value != "cancelled":
        buttons.append(turn.button("my_needs.edit", f"orgn:{need.id}:edit"))
    if need.status.value == "published":
        buttons.append(turn.button("my_needs.close", f"orgn:{need.id}:close"))
    if (
        need.status.value == "filled"
        and len(held) < wanted
        and not date_passed(
            ends_at=need.ends_at,
            recurrence=need.weekly,
            valid_until=need.valid_until,
            now=turn.now,
        )
    ):
        buttons.append(turn.button("my_needs.reopen", f"orgn:{need.id}:reopen"))
    if (
        need.weekly is not None
        and need.valid_until is not None  # one without an end runs until it is closed
        and need.status.value in ("published", "filled", "expired")
    ):
        buttons.append(turn.button("my_needs.extend", f"orgn:{need.id}:extend"))
    if need.status.value in CAN_CANCEL:
        buttons.append(turn.button("my_needs.cancel", f"orgn:{need.id}:cancel"))
    turn.say("\n".join(text), (*buttons, *_back(turn)))


async def _act(turn: Turn, need: OwnNeed, done: str, verb) -> None:  # type: ignore[no-untyped-def]
    try:
        await verb(
            turn.app.db,
            need.organisation_id,
            need.id,
            now=turn.now,
            actor=_actor(turn),
        )
    except DomainError:
        turn.say(turn.t("my_needs.not_possible"), _back(turn))
        return
    turn.say(turn.t(f"my_needs.{done}", title=escape(need.title)), _back(turn))


async def _no_show(turn: Turn, need: OwnNeed, engagement_id: int, *, confirmed: bool) -> None:
    t = turn.t
    if not confirmed:
        missed = await no_show_date(turn.app.db, need.id, turn.now)
        people = await signups_of(turn.app.db, need.organisation_id, need.id)
        person = next((s for s in people if s.engagement_id == engagement_id), None)
        if missed is None or person is None:
            turn.say(t("my_needs.not_possible"), _back(turn))
            return
        if engagement_id in await no_shows_noted(turn.app.db, need.id, turn.now):
            # an old button pressed again: say so instead of asking a second time
            turn.say(t("my_needs.no_show_already", title=escape(need.title)), _back(turn))
            return
        turn.say(
            t(
                "my_needs.no_show_ask",
                name=escape(person.name or t("my_needs.someone")),
                title=escape(need.title),
                date=escape(t.when(missed)),
            ),
            (
                turn.button("my_needs.no_show_yes", f"orgn:{need.id}:noshow:{engagement_id}:yes"),
                turn.button("my_needs.not_now", f"orgn:{need.id}"),
            ),
        )
        return
    try:
        new = await mark_no_show(
            turn.app.db,
            need.organisation_id,
            engagement_id,
            actor=_actor(turn),
            now=turn.now,
            actor_person_id=turn.person.id if turn.person else None,
        )
    except DomainError:
        turn.say(turn.t("my_needs.not_possible"), _back(turn))
        return
    done = "my_needs.no_show_noted" if new else "my_needs.no_show_already"
    turn.say(turn.t(done, title=escape(need.title)), _back(turn))


async def _extend(turn: Turn, need: OwnNeed) -> None:
    t = turn.t
    try:
        until = await extend_need(
            turn.app.db,
            need.organisation_id,
            need.id,
            now=turn.now,
            actor=_actor(turn),
        )
    except ChangePending:
        # The waiting change sets its own end date: that one stands, or is changed.
        turn.say(
            t("my_needs.extend_change_pending", title=escape(need.title)),
            (turn.button("my_needs.edit", f"orgn:{need.id}:edit"), *_back(turn)),
        )
        return
    except DomainError:
        turn.say(t("my_needs.not_possible"), _back(turn))
        return
    text = t("my_needs.extended", title=escape(need.title), date=t.date(last_moment(until)))
    if need.change_pending:
        text += "\n" + t("my_needs.extended_change")
    turn.say(text, _back(turn))


async def _reopen(turn: Turn, need: OwnNeed) -> None:
    t = turn.t
    try:
        alerts = await reopen_need(
            turn.app.db,
            need.organisation_id,
            need.id,
            now=turn.now,
            actor=_actor(turn),
        )
    except DatePassed:
        turn.say(t("my_needs.reopen_past", title=escape(need.title)), _back(turn))
        return
    except NeedNotOpen:
        turn.say(
            t("my_needs.reopen_full", title=escape(need.title)),
            (turn.button("my_needs.edit", f"orgn:{need.id}:edit"), *_back(turn)),
        )
        return
    except DomainError:
        turn.say(t("my_needs.not_possible"), _back(turn))
        return
    text = t("my_needs.reopened", title=escape(need.title))
    if alerts:
        text += "\n" + t("my_needs.reopened_alerts")
    turn.say(text, _back(turn))


async def _cancel(turn: Turn, need: OwnNeed) -> None:
    if need.status.value not in CAN_CANCEL:
        turn.say(turn.t("my_needs.not_possible"), _back(turn))
        return
    people = await cancel_need(
        turn.app.db,
        need.id,
        actor=_actor(turn),
        now=turn.now,
    )
    done = "my_needs.cancelled" if people else "my_needs.cancelled_nobody"
    turn.say(turn.t(done, title=escape(need.title), count=len(people)), _back(turn))


# What a need's detail offers, by the words people type for it ("schließen").
TYPED_ACTIONS = ("edit", "close", "cancel", "extend", "reopen")
_OFFERED = re.compile(r"orgn:(\d{1,12}):(" + "|".join(TYPED_ACTIONS) + r")")


async def typed(turn: Turn, text: str) -> bool:
    """A word typed at a need's detail does what its button does: "schließen",
    "absagen", "ändern", "verlängern", "wieder öffnen" (``my_needs.typed.*``),
    only while that button is offered. True when handled."""
    if turn.state.flow is not None or len(text) > 60:
        return False
    offered = {
        m.group(2): m.group(1)
        for offer in turn.state.buttons
        if len(offer) > 1 and (m := _OFFERED.fullmatch(offer[1]))
    }
    if not offered:
        return await _typed_with_title(turn, text)
    said = label_key(polite_stripped(text))
    for action, need_id in offered.items():
        names = {label_key(n) for n in turn.t(f"my_needs.typed.{action}").split(",")}
        if said in names:
            await payload(turn, f"{need_id}:{action}")
            return True
    if "edit" in offered:
        return await _edit_by_name(turn, int(offered["edit"]), text)
    return False


async def _typed_with_title(turn: Turn, text: str) -> bool:
    """Anywhere, a member's "Hausaufgabenhilfe schließen" or "Flohmarkt um 4
    Wochen verlängern": the action word with the title of exactly one of their
    listed needs does what the need's button does (which asks first where it
    asks). True when handled."""
    said = label_key(polite_stripped(text))
    if len(said.split()) < 2:
        return False
    for action in TYPED_ACTIONS:
        for name in (label_key(n) for n in turn.t(f"my_needs.typed.{action}").split(",")):
            if not name or said == name:
                continue
            if said.endswith(" " + name):
                rest = said.removesuffix(" " + name)
            elif said.startswith(name + " "):
                rest = said.removeprefix(name + " ")
            else:
                continue
            found = await _needs_named(turn, rest)
            if len(found) == 1:
                await payload(turn, f"{found[0]}:{action}")
                return True
            return False
    return False


async def _needs_named(turn: Turn, words: str) -> list[int]:
    """The member's listed needs whose title is these words, or inside them
    ("flohmarkt um 4 wochen" names "Flohmarkt")."""
    if len(words) < 4:
        return []
    found = []
    for org in await _orgs(turn):
        for n in await needs_of(turn.app.db, org.id):
            title = label_key(n.title)
            if n.status.value in LISTED and title and (title == words or title in words):
                found.append(n.id)
    return found


async def _edit_by_name(turn: Turn, need_id: int, text: str) -> bool:
    """ "Ort ändern: Haaren" at a need's detail: the need opens in the form
    with that change made, at its preview (as ✏️ and then the same words)."""
    start, offer = len(turn.replies), list(turn.state.buttons)
    await payload(turn, f"{need_id}:edit")
    opened = len(turn.replies)
    if turn.state.flow == post_need.FORM.name and await post_need.edit_by_name(
        turn, Event("text", text=text)
    ):
        del turn.replies[start:opened]  # the preview once, with the change
        return True
    turn.state.finish()  # no change named: the text goes its usual way
    del turn.replies[start:]
    turn.state.buttons = offer
    return False
