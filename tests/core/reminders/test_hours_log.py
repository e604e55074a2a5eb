"""Hours per date in core (issue 14.5), on SQLite and PostgreSQL: reading
typed hours, one entry per date, the organisation's notice and decision,
the timeline of a weekly engagement, export and erasure."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from core.errors import NotAllowed, UnknownEngagement
from core.models import HoursCertificate, HoursStatus, Need, Reminder
from core.schedule import Weekly
from core.services.certificate import (
    CertificateBranding,
    NothingToCertify,
    certificate_by_code,
    issue_certificate,
)
from core.services.export import export_person
from core.services.hours import (
    CancelledDay,
    FutureDay,
    decide_hours,
    hours_for_organisation,
    hours_summary,
    log_hours,
    parse_hours,
)
from core.services.needs import cancel_need
from core.services.people import delete_person
from core.services.signup import sign_up
from core.services.timeline import finish_past_engagements, timeline_of
from tests.core.reminders.conftest import BERLIN, World

BRANDING = CertificateBranding("Stadt Aachen (Demo)", "Engagement-Bot Aachen")


@pytest.mark.parametrize(
    ("text", "loose", "strict"),
    [
        ("2,5 Stunden", 2.5, 2.5),
        ("2.5 hours", 2.5, 2.5),
        ("3 Std.", 3.0, 3.0),
        ("ca. 4 h", 4.0, 4.0),
        ("eine halbe Stunde", 0.5, 0.5),
        ("anderthalb Stunden", 1.5, 1.5),
        ("von 9 bis 12", 3.0, 3.0),
        ("9:30-12 Uhr", 2.5, 2.5),
        ("from 2 to 5", 3.0, 3.0),
        ("Samstag von 9 bis 12 in Burtscheid", 3.0, None),  # a sentence about times
        ("Ich suche 3 Stunden pro Woche", 3.0, None),
        ("30 Stunden", None, None),  # more than a day has
        ("von 12 bis 9", None, None),
        ("5", None, None),
        ("Hallo", None, None),
    ],
)
def test_typed_hours(text: str, loose: float | None, strict: float | None) -> None:
    assert parse_hours(text) == loose
    assert parse_hours(text, strict=True) == strict


async def test_each_date_is_its_own_entry_and_the_organisation_decides(world: World) -> None:
    heinrich = await world.person("heinrich")
    petra = await world.person("petra")
    need = await world.need(weekly=Weekly(("mi",), time(15), time(17)))
    engagement = (await sign_up(world.db, heinrich, need, world.now())).engagement_id
    world.clock.set(datetime(2026, 12, 17, 9, tzinfo=BERLIN))

    async def log(day: date, hours: float, replace: bool = False) -> str:
        logged = await log_hours(
            world.db, person_id=heinrich, engagement_id=engagement, day=day, hours=hours,
            source="typed", now=world.now(), replace=replace,
        )  # fmt: skip
        return logged.outcome

    assert await log(date(2026, 12, 2), 2) == "logged"
    assert await log(date(2026, 12, 9), 3) == "logged"
    assert await log(date(2026, 12, 9), 3) == "same"
    assert await log(date(2026, 12, 16), 2.5) == "logged"
    assert await log(date(2026, 12, 16), 1.5) == "differs"  # asked first, nothing changed
    assert await log(date(2026, 12, 16), 1.5, replace=True) == "corrected"  # not yet confirmed
    with pytest.raises(FutureDay):
        await log(date(2026, 12, 23), 2)
    with pytest.raises(UnknownEngagement):  # not Petra's engagement
        await log_hours(
            world.db, person_id=petra, engagement_id=engagement, day=date(2026, 12, 2),
            hours=1, source="typed", now=world.now(),
        )  # fmt: skip
    summary = await hours_summary(world.db, heinrich)
    assert summary.items == () and summary.pending == 6.5

    async with world.db.sessions() as session:
        notices = await session.scalar(
            select(func.count()).select_from(Reminder).where(Reminder.kind == "hours_logged")
        )
    assert notices == 3  # one per date: the correction came before the request went out

    lines = await hours_for_organisation(world.db, world.org_id)
    assert [(line.day.day, line.hours) for line in lines] == [(16, 1.5), (9, 3.0), (2, 2.0)]
    with pytest.raises(NotAllowed):
        await decide_hours(
            world.db, entry_id=lines[0].id, organisation_ids={world.org_id + 1}, confirm=True,
            actor="x", now=world.now(),
        )  # fmt: skip
    for line in lines[1:]:
        await decide_hours(
            world.db, entry_id=line.id, organisation_ids={world.org_id}, confirm=True,
            actor="account:1", now=world.now(),
        )  # fmt: skip
    assert await log(date(2026, 12, 2), 8) == "confirmed"  # a confirmed date stays
    summary = await hours_summary(world.db, heinrich)
    (item,) = summary.items
    assert (item.first_day, item.last_day, item.dates, item.hours) == (
        date(2026, 12, 2), date(2026, 12, 9), 2, 5.0,
    )  # fmt: skip
    assert summary.pending == 1.5
    first = (await hours_for_organisation(world.db, world.org_id))[0]
    assert (first.status, first.hours) == (HoursStatus.LOGGED, 1.5)


async def test_timeline_done_certificate_export_and_erasure(world: World) -> None:
    heinrich = await world.person("heinrich")
    need = await world.need(title="Laub harken", starts_in=timedelta(days=1), hours=2)
    engagement = (await sign_up(world.db, heinrich, need, world.now())).engagement_id
    timeline = await timeline_of(world.db, heinrich, world.now())
    assert [i.id for i in timeline.ahead] == [engagement] and timeline.past == ()
    with pytest.raises(NothingToCertify):
        await issue_certificate(
            world.db, person_id=heinrich, holder_name="Heinrich Helfer", branding=BRANDING,
            verify_url="http://x", now=world.now(), tz=BERLIN,
        )  # fmt: skip

    world.clock.advance(timedelta(days=2))
    assert await finish_past_engagements(world.db, world.now()) == 1
    assert await finish_past_engagements(world.db, world.now()) == 0
    timeline = await timeline_of(world.db, heinrich, world.now())
    assert timeline.ahead == () and [i.id for i in timeline.past] == [engagement]
    assert timeline.past[0].pending_day == date(2026, 12, 2)

    logged = await log_hours(
        world.db, person_id=heinrich, engagement_id=engagement, day=date(2026, 12, 2), hours=2,
        source="button", now=world.now(),
    )  # fmt: skip
    await decide_hours(
        world.db, entry_id=logged.entry_id, organisation_ids={world.org_id}, confirm=True,
        actor="account:1", now=world.now(),
    )  # fmt: skip
    issued = await issue_certificate(
        world.db, person_id=heinrich, holder_name="  Heinrich   Helfer ", branding=BRANDING,
        verify_url="http://x", now=world.now(), tz=BERLIN,
    )  # fmt: skip
    assert issued.content.holder == "Heinrich Helfer" and issued.content.total == 2.0
    tenant = world.app.tenant_ids["aachen"]
    assert await certificate_by_code(world.db, tenant, issued.content.code.lower()) is not None

    exported = await export_person(world.db, heinrich)
    assert [(h["day"], h["hours"], h["status"]) for h in exported["hours"]] == [
        ("2026-12-02", 2.0, "confirmed")
    ]
    assert exported["certificates"][0]["holder_name"] == "Heinrich Helfer"

    await delete_person(world.db, heinrich, world.now())
    assert await certificate_by_code(world.db, tenant, issued.content.code) is None
    async with world.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(HoursCertificate)) == 0


async def test_no_hours_for_dates_the_organisation_cancelled(world: World) -> None:
    heinrich = await world.person("heinrich")
    one_off = await world.need(title="Laub harken", starts_in=timedelta(days=1), hours=2)
    weekly = await world.need(title="Lesepaten", weekly=Weekly(("mi",), time(15), time(17)))
    gone = (await sign_up(world.db, heinrich, one_off, world.now())).engagement_id
    series = (await sign_up(world.db, heinrich, weekly, world.now())).engagement_id
    await cancel_need(world.db, one_off, actor="test", now=world.now())
    # The weekly series is cancelled after its first date (Wednesday 2 December).
    world.clock.set(datetime(2026, 12, 4, 9, tzinfo=BERLIN))
    await cancel_need(world.db, weekly, actor="test", now=world.now())
    world.clock.set(datetime(2026, 12, 17, 9, tzinfo=BERLIN))
    await finish_past_engagements(world.db, world.now())

    async with world.db.sessions() as session:
        starts = (await session.get(Need, one_off)).starts_at  # type: ignore[union-attr]
        one_off_day = starts.astimezone(BERLIN).date()
    with pytest.raises(CancelledDay):
        await log_hours(
            world.db, person_id=heinrich, engagement_id=gone, day=one_off_day, hours=4,
            source="typed", now=world.now(),
        )  # fmt: skip
    with pytest.raises(CancelledDay):
        await log_hours(
            world.db, person_id=heinrich, engagement_id=series, day=date(2026, 12, 9), hours=2,
            source="typed", now=world.now(),
        )  # fmt: skip
    logged = await log_hours(
        world.db, person_id=heinrich, engagement_id=series, day=date(2026, 12, 2), hours=2,
        source="typed", now=world.now(),
    )  # fmt: skip
    assert logged.outcome == "logged"  # the date before the cancellation took place

    timeline = await timeline_of(world.db, heinrich, world.now())
    assert [(i.title, i.last_day) for i in timeline.past] == [("Lesepaten", date(2026, 12, 2))]
    assert timeline.ahead == ()


async def test_calendar_facts_carry_when_a_weekly_series_begins(world: World) -> None:
    from core.services.timeline import ics_facts

    world.clock.set(datetime(2026, 12, 5, 10, tzinfo=BERLIN))
    need = await world.need(weekly=Weekly(("di", "do"), time(17), time(18, 30)))
    facts = (await ics_facts(world.db, [need]))[need]
    assert facts.begins == world.now()  # published at once (Stolberg does not moderate)


@pytest.mark.parametrize(
    ("typed", "hours"),
    [("90 Minuten", 1.5), ("45 min", 0.75), ("1 Stunde 30 Minuten", 1.5), ("1 h 30 min", 1.5)],
)
def test_minutes_are_hours_too(typed: str, hours: float) -> None:
    """QA: "90 Minuten" was not understood."""
    from core.services.hours import parse_hours

    assert parse_hours(typed) == hours
    assert parse_hours(typed, strict=True) == hours
