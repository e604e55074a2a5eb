"""Finished display values for templates (labels, dates in the tenant's
zone, links), built from service results. Templates only render these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from babel.dates import get_day_names

from bots.web.i18n import WebTexts
from core.availability import DAYS
from core.qualification_help import Requirement, requirements
from core.schedule import Weekly, date_passed, last_moment
from core.services.needs import NeedDetail
from core.services.organisations import NeedRow, OfferView
from core.taxonomy import Taxonomy
from core.tenants import TenantConfig


@dataclass(frozen=True, slots=True)
class NeedCard:
    id: int
    url: str
    title: str
    description: str
    organisation: str
    category: str
    emoji: str
    when: str
    place: str
    helpers: str
    urgent: bool
    status: str
    status_code: str
    qualifications: tuple[str, ...]
    reasons: str = ""
    # What the need asks for, each with a short help (how to get it).
    requirements: tuple[Requirement, ...] = ()
    # Its (last) date is over: "Termin vorbei", no sign-up.
    passed: bool = False


def weekly_text(t: WebTexts, weekly: Weekly) -> str:
    names = get_day_names("abbreviated", locale=t.lang)
    days = ", ".join(names[DAYS.index(d)] for d in weekly.days)
    return t(
        "need.weekly",
        days=days,
        start=weekly.start.strftime("%H:%M"),
        end=weekly.end.strftime("%H:%M"),
    )


def need_card(
    t: WebTexts,
    taxonomy: Taxonomy,
    need: NeedDetail,
    url: str,
    reasons: str = "",
    now: datetime | None = None,
) -> NeedCard:
    """A need for a page; with ``now``, a weekly one names its next date and
    one whose (last) date passed says so ("Termin vorbei") first."""
    when = (
        weekly_text(t, need.weekly) if need.weekly else t.when_range(need.starts_at, need.ends_at)
    )
    passed = now is not None and need.date_passed(now)
    upcoming = need.next_date(now, t.tz) if now is not None and not passed else None
    if upcoming is not None:
        when += " · " + t("need.next_date", date=t.when(upcoming))
    if passed:
        when = f"{t('need.date_passed')} · {when}" if when else t("need.date_passed")
    place = t("need.remote") if need.remote else (need.place_label or "")
    return NeedCard(
        id=need.id,
        url=url,
        title=need.title,
        description=need.description,
        organisation=need.organisation,
        category=taxonomy.label(need.category, t.lang),
        emoji=taxonomy.emoji(need.category),
        when=when,
        place=place,
        # Free places only mean something while it takes sign-ups; a need
        # closed early (filled with places left) says how many are taken.
        helpers=(
            t("need.places_left", left=need.places_left, wanted=need.helpers_wanted)
            if need.status.value == "published"
            else t("need.places_taken", taken=need.helpers_taken, wanted=need.helpers_wanted)
        ),
        urgent=need.urgent,
        status=t(f"status.{need.status.value}"),
        status_code=need.status.value,
        qualifications=tuple(taxonomy.label(q, t.lang) for q in need.qualifications),
        reasons=reasons,
        requirements=requirements(taxonomy, need.qualifications, t.lang, t.form),
        passed=passed,
    )


@dataclass(frozen=True, slots=True)
class NeedLine:
    id: int
    title: str
    status: str
    status_code: str
    category: str
    when: str
    signups: str
    hidden: bool
    rejection_reason: str | None
    change_pending: bool = False  # a change waits for an editor; public as it was


def need_line(
    t: WebTexts, taxonomy: Taxonomy, row: NeedRow, now: datetime | None = None
) -> NeedLine:
    when = (
        t("need.recurring_until", until=t.day(last_moment(row.valid_until)))
        if row.weekly and row.valid_until
        else (t("need.recurring") if row.weekly else t.when(row.starts_at))
    )
    if now is not None and date_passed(
        ends_at=row.ends_at, recurrence=row.weekly, valid_until=row.valid_until, now=now
    ):
        when = f"{t('need.date_passed')} · {when}"
    return NeedLine(
        row.id,
        row.title,
        t(f"status.{row.status.value}"),
        row.status.value,
        taxonomy.label(row.category, t.lang),
        when,
        t("need.signups_of", count=row.signups, wanted=row.helpers_wanted)
        + (t("need.waiting_count", count=row.waiting) if row.waiting else ""),
        row.hidden,
        row.rejection_reason,
        row.change_pending,
    )


@dataclass(frozen=True, slots=True)
class OfferLine:
    id: int
    title: str
    description: str
    kind: str
    category: str
    place: str
    period: str
    active: bool


def offer_line(t: WebTexts, taxonomy: Taxonomy, offer: OfferView) -> OfferLine:
    period = ""
    if offer.available_from or offer.available_until:
        period = t(
            "offer.period",
            start=t.day(offer.available_from) or "…",
            end=t.day(offer.available_until) or "…",
        )
    return OfferLine(
        offer.id,
        offer.title,
        offer.description,
        t(f"offer.kind_{offer.kind}"),
        taxonomy.label(offer.category, t.lang) if offer.category else "",
        offer.place_label or "",
        period,
        offer.active,
    )


def category_choices(t: WebTexts, taxonomy: Taxonomy) -> list[tuple[str, str]]:
    return sorted(
        ((c.code, c.label(t.lang)) for c in taxonomy.categories.values()), key=lambda item: item[1]
    )


def qualification_choices(t: WebTexts, taxonomy: Taxonomy) -> list[tuple[str, str]]:
    return [(q.code, q.label(t.lang)) for q in taxonomy.qualifications.values()]


def day_choices(t: WebTexts) -> list[tuple[str, str]]:
    names = get_day_names("wide", locale=t.lang)
    return [(d, names[i]) for i, d in enumerate(DAYS)]


@dataclass(frozen=True, slots=True)
class ChatLinks:
    telegram: str | None
    matrix: str | None
    matrix_command: str | None
    web: str


def chat_links(tenant: TenantConfig, start_arg: str, telegram_username: str | None) -> ChatLinks:
    """How to open the bot with a start argument on each channel."""
    telegram = f"https://t.me/{telegram_username}?start={start_arg}" if telegram_username else None
    matrix = f"https://matrix.to/#/{tenant.matrix.user_id}" if tenant.matrix else None
    return ChatLinks(
        telegram,
        matrix,
        f"/start {start_arg}" if tenant.matrix else None,
        f"/t/{tenant.slug}/chat?start={start_arg}",
    )
