"""Rendering the messages the service sends on its own, at delivery time, in
the recipient's language and the tenant's address form; and handing them to
the channel of an identity (``core.reminders.delivery.Sender``)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import yaml

from core.db import Database
from core.geo.distance import distance_km
from core.notify import Delivery
from core.reminders.delivery import ReminderMessage
from core.schedule import last_moment
from core.services.conversation_state import save_key
from core.services.mail_queue import waiting_for_review
from core.services.matches import matches_for_person
from core.services.needs import NeedDetail, need_dates, need_detail
from core.services.profiles import get_profile
from core.services.relay import member_notice, relay_notice
from core.services.tenants import tenant_id
from core.tenants import TenantConfig
from dialogue.calendar import need_calendar
from dialogue.choices import offered
from dialogue.markup import escape
from dialogue.messages import NO, YES, Attachment, Button, Reply, offer_of
from dialogue.ports import Notifier
from dialogue.render import need_when
from dialogue.texts import TEXTS_DIR, Texts, _flatten, catalogue

log = logging.getLogger(__name__)

NOTIFY_DIR = TEXTS_DIR / "notifications"
DIGEST_ITEMS = 5


@functools.cache
def notify_catalogue(lang: str) -> dict[str, Any]:
    with (NOTIFY_DIR / f"{lang}.yml").open(encoding="utf-8") as fh:
        raw = yaml.safe_load(fh) or {}
    flat: dict[str, Any] = {}
    _flatten(raw, "", flat)
    return flat


class NotifyTexts(Texts):
    """The dialogue's texts plus the notification texts (same overrides, forms)."""

    def __init__(self, tenant: TenantConfig, lang: str) -> None:
        super().__init__(tenant, lang)
        self._own = {**catalogue(self.lang), **notify_catalogue(self.lang)}
        self._fallback = {**catalogue("de"), **notify_catalogue("de")}


class Renderer:
    def __init__(self, db: Database, tenants: Mapping[str, TenantConfig]) -> None:
        self.db = db
        self.tenants = tenants

    async def render(self, message: ReminderMessage, language: str, now: datetime) -> list[Reply]:
        t = NotifyTexts(self.tenants[message.tenant_slug], language)
        render = getattr(self, f"_{message.kind}")
        return await render(t, message, now)

    # -- helpers -------------------------------------------------------------

    async def _need(self, message: ReminderMessage) -> NeedDetail:
        assert message.need_id is not None
        return await need_detail(self.db, message.need_id)

    def _when(self, t: Texts, need: NeedDetail, message: ReminderMessage) -> str:
        starts = message.data.get("starts_at")
        if starts:
            return t.when(datetime.fromisoformat(starts))
        if need.starts_at is not None:
            return t.when_range(need.starts_at, need.ends_at)
        return t("notify.weekly")

    @staticmethod
    def _place(t: Texts, need: NeedDetail) -> str:
        return t("notify.place", place=escape(need.place_label)) if need.place_label else ""

    async def _distance(self, t: Texts, need: NeedDetail, person_id: int | None) -> str:
        if person_id is None or need.lat is None or need.lon is None:
            return ""
        home = await get_profile(self.db, person_id)
        if home is None or home.home_lat is None or home.home_lon is None:
            return ""
        return t(
            "notify.distance",
            km=t.km(distance_km((home.home_lat, home.home_lon), (need.lat, need.lon))),
        )

    # -- kinds ---------------------------------------------------------------

    async def _before_24h(self, t: Texts, m: ReminderMessage, now: datetime) -> list[Reply]:
        need = await self._need(m)
        text = t(
            "notify.before_24h",
            title=escape(need.title),
            organisation=escape(need.organisation),
            when=self._when(t, need, m),
            place=self._place(t, need),
        )
        return _yes_or_no(
            text,
            t("notify.button.coming"),
            t("notify.button.not_coming"),
            f"attend:{m.engagement_id}",
        )

    async def _before_2h(self, t: Texts, m: ReminderMessage, now: datetime) -> list[Reply]:
        need = await self._need(m)
        contact = ""
        if need.contact_name:
            phone = (
                t("notify.phone", phone=escape(need.contact_phone)) if need.contact_phone else ""
            )
            contact = t("notify.contact", name=escape(need.contact_name), phone=phone)
        return [
            Reply(
                t(
                    "notify.before_2h",
                    title=escape(need.title),
                    when=self._when(t, need, m),
                    place=self._place(t, need),
                    contact=contact,
                )
            )
        ]

    async def _follow_up(self, t: Texts, m: ReminderMessage, now: datetime) -> list[Reply]:
        need = await self._need(m)
        # Hours are kept per date (issue 14.5): the buttons name the date asked about.
        starts = m.data.get("starts_at")
        day = (
            datetime.fromisoformat(starts).astimezone(t.tz) if starts else m.due_at.astimezone(t.tz)
        )
        stamp = day.strftime("%Y%m%d")
        hours = tuple(
            Button(t("notify.button.hours", n=n), f"hrs:{m.engagement_id}:{stamp}:{n}")
            for n in (1, 2, 3, 4)
        )
        return [
            Reply(
                # the date asked about: a weekly engagement has many
                t("notify.follow_up", title=escape(need.title), day=t.date(day))
                + "\n"
                + t("notify.follow_up_typed"),
                (
                    *hours,
                    Button(t("notify.button.hours_more"), f"hrs:{m.engagement_id}:{stamp}:ask"),
                    Button(t("notify.button.similar"), f"similar:{need.id}"),
                ),
                buttons_per_row=4,
            )
        ]

    async def _hours_logged(self, t: Texts, m: ReminderMessage, now: datetime) -> list[Reply]:
        """An organisation's chat-linked members: confirm a volunteer's hours."""
        from core.services.hours import hours_line

        line = await hours_line(self.db, int(m.data.get("entry", 0)))
        if line is None:
            return [Reply(t("notify.hours_gone"))]
        day = datetime(line.day.year, line.day.month, line.day.day, 12, tzinfo=t.tz)
        return [
            Reply(
                t(
                    "notify.hours_logged",
                    volunteer=escape(line.volunteer or t("hours.someone")),
                    hours=t.number(line.hours),
                    day=t.date(day),
                    title=escape(line.title),
                ),
                (
                    Button(t("notify.button.hours_ok"), f"hrs:ok:{line.id}"),
                    Button(t("notify.button.hours_no"), f"hrs:no:{line.id}"),
                ),
                buttons_per_row=2,
            )
        ]

    async def _ask(self, key: str, t: Texts, m: ReminderMessage) -> list[Reply]:
        need = await self._need(m)
        text = t(
            key,
            title=escape(need.title),
            organisation=escape(need.organisation),
            when=self._when(t, need, m),
            place=self._place(t, need),
            distance=await self._distance(t, need, m.person_id),
        )
        return _yes_or_no(
            text, t("notify.button.alert_yes"), t("notify.button.alert_no"), f"alert:{need.id}"
        )

    async def _urgent_alert(self, t: Texts, m: ReminderMessage, now: datetime) -> list[Reply]:
        return await self._ask("notify.urgent_alert", t, m)

    async def _place_offer(self, t: Texts, m: ReminderMessage, now: datetime) -> list[Reply]:
        return await self._ask("notify.place_offer", t, m)

    async def _digest(self, t: Texts, m: ReminderMessage, now: datetime) -> list[Reply]:
        assert m.person_id is not None
        since = datetime.fromisoformat(m.data["since"]) if m.data.get("since") else None
        page = await matches_for_person(self.db, m.person_id, now, tz=t.tz, limit=20)
        fresh = [c for c in page.cards if since is None or _published_after(c.need, since)]
        if not fresh:
            return [Reply(t("notify.digest_empty"))]
        lines = [t("notify.digest", count=len(fresh))]
        for card in fresh[:DIGEST_ITEMS]:
            need = card.need
            when = (
                t.when_range(need.starts_at, need.ends_at) if need.starts_at else t("notify.weekly")
            )
            lines.append(
                t(
                    "notify.digest_item",
                    title=escape(need.title),
                    organisation=escape(need.organisation),
                    when=when,
                )
            )
        buttons = tuple(
            Button(c.need.title[:40], f"need:{c.need.id}") for c in fresh[:DIGEST_ITEMS]
        )
        return [
            Reply("\n".join(lines), (*buttons, Button(t("notify.button.matches"), "cmd:passt")))
        ]

    async def _org_expiry(self, t: Texts, m: ReminderMessage, now: datetime) -> list[Reply]:
        need = await self._need(m)
        if need.weekly is None:
            # A one-off date cannot be extended: a summary of the sign-ups.
            return [
                Reply(
                    t(
                        "notify.org_summary",
                        title=escape(need.title),
                        when=t.when_range(need.starts_at, need.ends_at),
                        taken=need.helpers_taken,
                        wanted=need.helpers_wanted,
                    )
                )
            ]
        until = (await need_dates(self.db, need.id, now, t.tz)).valid_until
        return [
            Reply(
                t(
                    "notify.org_expiry",
                    title=escape(need.title),
                    until=t.date(last_moment(until)) if until else "",
                    taken=need.helpers_taken,
                    wanted=need.helpers_wanted,
                ),
                (
                    Button(t("notify.button.extend"), f"extend:{need.id}"),
                    Button(t("notify.button.keep"), "cmd:hilfe"),
                ),
                buttons_per_row=2,
            )
        ]

    async def _moved_up(self, t: Texts, m: ReminderMessage, now: datetime) -> list[Reply]:
        need = await self._need(m)
        dates = await need_dates(self.db, need.id, now, t.tz)
        when = self._when(t, need, m)
        if dates.next_start is not None and dates.next_end is not None:
            when = t.when_range(dates.next_start, dates.next_end)
        attachments = await need_calendar(
            self.db, need, tz_name=t.tenant.timezone, stamp=now, engagement_id=m.engagement_id
        )
        return [
            Reply(
                t("notify.moved_up", title=escape(need.title), when=when), attachments=attachments
            )
        ]

    async def _need_cancelled(self, t: Texts, m: ReminderMessage, now: datetime) -> list[Reply]:
        need = await self._need(m)
        return [
            Reply(
                t("notify.need_cancelled", title=escape(need.title), when=self._when(t, need, m)),
                (Button(t("notify.button.similar"), f"similar:{need.id}"),),
                attachments=await self._cancelled_ics(t, need, now, m.engagement_id),
            )
        ]

    async def _need_changed(self, t: Texts, m: ReminderMessage, now: datetime) -> list[Reply]:
        """A new date or place: what it is now, the calendar entry people
        imported (same UID, higher SEQUENCE), and a way out if it no longer fits."""
        need = await self._need(m)
        when = need_when(t, need)
        until = (await need_dates(self.db, need.id, now, t.tz)).valid_until
        if need.weekly is not None and until is not None:
            when += " " + t("timeline.until", date=t.date(last_moment(until)))
        unfit = [u for u in m.data.get("unfit") or () if u in ("time", "place")]
        text = t(
            # The change broke what fitted them (``needs.unfit_after_change``):
            # said so, with a way out that asks once more (``unfit:<engagement>``).
            f"notify.need_unfit.{unfit[0]}" if unfit else "notify.need_changed",
            title=escape(need.title),
            organisation=escape(need.organisation),
            when=escape(when),
            place=self._place(t, need),
        )
        if unfit:
            buttons = (
                Button(t("notify.button.unfit_withdraw"), f"unfit:{m.engagement_id}", YES),
                Button(t("notify.button.unfit_stay"), f"unfit:{m.engagement_id}:no", NO),
            )
        else:
            buttons = (
                Button(t("notify.button.still_fits"), f"attend:{m.engagement_id}:yes", YES),
                Button(t("notify.button.no_longer"), f"attend:{m.engagement_id}:no", NO),
            )
        return [
            Reply(
                text,
                buttons,
                buttons_per_row=2,
                attachments=await self._cancelled_ics(t, need, now, m.engagement_id),
            )
        ]

    async def _signup_accepted(self, t: Texts, m: ReminderMessage, now: datetime) -> list[Reply]:
        need = await self._need(m)
        text = t(
            "notify.signup_accepted",
            title=escape(need.title),
            organisation=escape(need.organisation),
            when=self._when(t, need, m),
        )
        return [Reply(text)]

    async def _signup_declined(self, t: Texts, m: ReminderMessage, now: datetime) -> list[Reply]:
        need = await self._need(m)
        text = t(
            "notify.signup_declined",
            title=escape(need.title),
            organisation=escape(need.organisation),
        )
        return [Reply(text, (Button(t("notify.button.similar"), f"similar:{need.id}"),))]

    async def _relay_message(self, t: Texts, m: ReminderMessage, now: datetime) -> list[Reply]:
        """An organisation's message in the volunteer's chat: what it answers,
        and the buttons to answer it (and, for an offer, to pass on contact)."""
        notice = await relay_notice(self.db, int(m.data["message_id"]))
        if notice is None:  # erased since
            return []
        values = {
            "organisation": escape(notice.organisation),
            "body": escape(notice.body),
            "about": escape(notice.need_title or notice.offer_title),
            "quote": escape(notice.in_reply_to),
        }
        if notice.in_reply_to:
            text = t("talk.answer_to_you", **values)
        elif notice.kind == "offer":
            text = t("talk.offer_answered", **values)
        else:
            text = t("notify.relay", need=values["about"], **values)
        buttons = [Button(t("notify.button.relay_answer"), f"relay:{notice.message_id}:reply")]
        if notice.kind == "offer":
            buttons.append(Button(t("talk.offer_contact"), f"rel:offc:{notice.message_id}"))
        meta = {"kind": "relay", "relay_message_id": str(notice.message_id)}
        return [Reply(text, tuple(buttons), meta=meta)]

    async def _relay_to_member(self, t: Texts, m: ReminderMessage, now: datetime) -> list[Reply]:
        """A volunteer's question, reply or passed-on contact in the chat of a
        member of the organisation, with the button to answer it (issue 14)."""
        notice = await member_notice(self.db, int(m.data["message_id"]))
        if notice is None:  # erased since (the person, or by retention)
            return [Reply(t("notify.relay_gone"))]
        text = t(
            f"talk.to_member_{notice.kind}",
            volunteer=escape(notice.volunteer or t("talk.someone")),
            about=escape(notice.about),
            body=escape(notice.body),
            organisation=escape(notice.organisation),
        )
        answer = Button(t("notify.button.relay_answer"), f"rel:ans:{notice.message_id}")
        meta = {"kind": "relay", "relay_message_id": str(notice.message_id)}
        return [Reply(text, (answer,), meta=meta)]

    async def _cancelled_ics(
        self, t: Texts, need: NeedDetail, now: datetime, engagement_id: int | None
    ) -> tuple[Attachment, ...]:
        """The calendar entry people imported, as the need is now: same UID,
        higher SEQUENCE, changed or STATUS:CANCELLED (issue 14.6); the
        person's own file, so the dates they skip stay out (EXDATE)."""
        return await need_calendar(
            self.db, need, tz_name=t.tenant.timezone, stamp=now, engagement_id=engagement_id
        )

    async def _retention_warning(self, t: Texts, m: ReminderMessage, now: datetime) -> list[Reply]:
        delete_on = datetime.fromisoformat(m.data["delete_on"])
        return [
            Reply(
                t(
                    "notify.retention_warning",
                    date=t.date(delete_on),
                    bot=escape(t.tenant.branding.bot_name),
                ),
                (Button(t("notify.button.keep_data"), "keep:data"),),
            )
        ]

    async def _editor_queue(self, t: Texts, m: ReminderMessage, now: datetime) -> list[Reply]:
        count = await waiting_for_review(self.db, await tenant_id(self.db, m.tenant_slug))
        key = "notify.editor_queue_one" if count == 1 else "notify.editor_queue"
        return [Reply(t(key, count=count, bot=escape(t.tenant.branding.bot_name)))]

    async def _editor_urgent(self, t: Texts, m: ReminderMessage, now: datetime) -> list[Reply]:
        return [
            Reply(
                t(
                    "notify.editor_urgent",
                    title=escape(str(m.data.get("title", ""))),
                    organisation=escape(str(m.data.get("organisation", ""))),
                )
            )
        ]

    async def _org_notice(self, t: Texts, m: ReminderMessage, now: datetime) -> list[Reply]:
        """A member of the organisation hears of a sign-up, withdrawal, "can't
        come" or no-show on one of its needs (issue 14)."""
        from core.services.org_notices import notice

        found = await notice(self.db, int(m.data.get("notice", 0)))
        if found is None:
            return [Reply(t("notify.org_notice.gone"))]
        key = f"notify.org_notice.{found.kind}"
        if found.kind == "signed_up" and found.waitlisted:
            key += "_waitlisted"
        starts = m.data.get("starts_at")
        text = t(
            key,
            name=escape(found.volunteer or t("notify.org_notice.someone")),
            title=escape(found.need_title),
            date=escape(t.when(datetime.fromisoformat(starts))) if starts else "",
        )
        return [Reply(text, (Button(t("notify.button.my_needs"), "cmd:bedarfe"),))]


def _published_after(need: NeedDetail, since: datetime) -> bool:
    # Cards carry no publication time; a need counts as new when it starts
    # after the last digest or recurs (weekly needs stay interesting).
    return need.starts_at is None or need.starts_at >= since


def _yes_or_no(text: str, yes: str, no: str, head: str) -> list[Reply]:
    """A question with its two answers side by side (``<head>:yes``, ``<head>:no``),
    marked so that a typed "ja"/"nein" answers it (``remember_question``)."""
    buttons = (Button(yes, f"{head}:yes", YES), Button(no, f"{head}:no", NO))
    return [Reply(text, buttons, buttons_per_row=2)]


# How long a reminder's yes/no question stays open for a typed answer at
# most: until the date it asks about begins, and never longer than this.
QUESTION_OPEN = timedelta(hours=24)


async def remember_question(
    db: Database, message: ReminderMessage, identity: str, replies: list[Reply], now: datetime
) -> None:
    """Keep the yes/no question of a delivered reminder with the chat's
    state (``DialogueState.notice``), so a typed "ja" answers it as a press
    would (``dialogue.choices.answers``); reminders are not turns, so their
    buttons are not the offer a turn keeps."""
    buttons = offered(replies)
    if not any(b.answer for b in buttons):
        return
    until = now + QUESTION_OPEN
    starts = message.data.get("starts_at")
    if starts:
        try:
            until = min(until, datetime.fromisoformat(str(starts)))
        except ValueError:
            pass
    if until <= now:
        return
    notice = {"buttons": [offer_of(b) for b in buttons], "until": until.isoformat()}
    try:
        kept = await save_key(db, identity, message.tenant_slug, "notice", notice, now)
    except Exception:  # the reminder went out: never make its delivery look failed
        log.warning("a reminder's question was not kept", exc_info=True)
        return
    if not kept:
        log.info("a reminder's question was not kept: the chat kept saving")


class ChannelSender:
    """``Sender`` over the running channels: renders, then notifies."""

    def __init__(self, renderer: Renderer, notifiers: Mapping[str, Notifier], clock: Any) -> None:
        self.renderer = renderer
        self.notifiers = notifiers
        self.clock = clock

    async def send(self, message: ReminderMessage, identity: str, language: str) -> Delivery:
        notifier = self.notifiers.get(identity.split(":", 1)[0])
        if notifier is None:
            return Delivery.NO_CHANNEL
        now = self.clock.now()
        replies = await self.renderer.render(message, language, now)
        delivery = await notifier.notify(message.tenant_slug, identity, replies)
        if delivery == Delivery.DELIVERED:
            await remember_question(self.renderer.db, message, identity, replies, now)
        return delivery


__all__ = ["ChannelSender", "NotifyTexts", "Renderer", "remember_question"]
