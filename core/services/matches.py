"""A person's matches and searches: ranking from ``core.search`` joined with
what a card shows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from core.db import Database
from core.matching import Match, VolunteerView
from core.search import NO_FILTER, SearchFilter, rank_needs, visible_tenant_ids
from core.services.needs import NeedDetail, need_details
from core.services.profiles import get_profile


@dataclass(frozen=True, slots=True)
class Card:
    match: Match
    need: NeedDetail


@dataclass(frozen=True, slots=True)
class CardPage:
    cards: tuple[Card, ...]
    offset: int
    has_more: bool
    # The matches ranked right after this page (``ahead``), best first, and
    # whether more follow them: the next page without ranking again.
    ahead: tuple[Match, ...] = ()
    more_after_ahead: bool = False


async def matches_for_view(
    db: Database,
    volunteer: VolunteerView,
    now: datetime,
    *,
    flt: SearchFilter = NO_FILTER,
    tz: ZoneInfo | None = None,
    offset: int = 0,
    limit: int = 5,
    ahead: int = 0,
    show_neighbours: bool | None = None,
) -> CardPage:
    """``show_neighbours``: the setting of the volunteer's tenant when the
    caller has its config at hand (saves reading it from the tenant row).
    ``ahead``: rank that many more and return them (``CardPage.ahead``)."""
    if show_neighbours is None:
        async with db.sessions() as session:
            tenant_ids = await visible_tenant_ids(session, volunteer.tenant_id)
    else:
        tenant_ids = None if show_neighbours else [volunteer.tenant_id]
    # Ranked by single-statement reads on the Database (no transaction
    # round trips on PostgreSQL, statements compiled once: ``Database.rows``).
    page = await rank_needs(
        db,
        volunteer,
        now,
        flt=flt,
        tenant_ids=tenant_ids,
        tz=tz or ZoneInfo("Europe/Berlin"),
        offset=offset,
        limit=limit + ahead,
    )
    shown, later = page.matches[:limit], page.matches[limit:]
    details = await need_details(db, [m.need_id for m in shown])
    cards = tuple(Card(m, details[m.need_id]) for m in shown if m.need_id in details)
    return CardPage(cards, page.offset, bool(later) or page.has_more, later, page.has_more)


async def cards_of(db: Database, matches: Sequence[Match], now: datetime) -> tuple[Card, ...]:
    """Cards of matches ranked before (a page shown again, or ``ahead``),
    in their order; needs no longer open for sign-ups (closed, hidden, past)
    are left out, as ``rank_needs`` would leave them out now."""
    details = await need_details(db, [m.need_id for m in matches], open_at=now)
    return tuple(Card(m, details[m.need_id]) for m in matches if m.need_id in details)


async def matches_for_person(
    db: Database,
    person_id: int,
    now: datetime,
    *,
    flt: SearchFilter = NO_FILTER,
    tz: ZoneInfo | None = None,
    offset: int = 0,
    limit: int = 5,
) -> CardPage:
    """The person's best needs; an empty page when there is no profile yet."""
    profile = await get_profile(db, person_id)
    if profile is None:
        return CardPage((), offset, False)
    return await matches_for_view(
        db, profile.volunteer_view(), now, flt=flt, tz=tz, offset=offset, limit=limit
    )
