"""Urgent alerts in waves, quiet hours, the weekly budget and the answers."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select, update

from core.models import (
    AuditEvent,
    Engagement,
    EngagementStatus,
    Need,
    NeedStatus,
    Reminder,
    ReminderStatus,
    Tenant,
)
from core.reminders.alerts import WAVE_SIZE, answer_alert, answer_attendance
from core.schedule import Weekly
from core.services.signup import sign_up
from tests.core.reminders.conftest import BURTSCHEID, World

FAR_AWAY = (51.2277, 6.7735)  # Düsseldorf


async def test_an_urgent_need_asks_the_nearest_eligible_people(world: World) -> None:
    near = await world.person("near", at=(BURTSCHEID[0] + 0.005, BURTSCHEID[1]))
    farther = await world.person("farther", at=(BURTSCHEID[0] + 0.05, BURTSCHEID[1]))
    await world.person("optout", alerts=False)
    await world.person("duesseldorf", at=FAR_AWAY)
    await world.person("busy", spontaneous=False, cells=("sa:abend",))
    await world.need(starts_in=timedelta(hours=20), urgent=True, helpers=1)
    await world.deliver()
    asked = {who for _, who, _ in world.channel.sent}
    assert asked == {"telegram:near", "telegram:farther"}
    assert "Wer kann?" in world.channel.texts_to("telegram:near")[0]
    async with world.db.sessions() as session:
        order = (
            await session.scalars(
                select(Reminder.person_id)
                .where(Reminder.kind == "urgent_alert")
                .order_by(Reminder.id)
            )
        ).all()
    assert list(order) == [near, farther]  # best match asked first


async def test_the_need_closes_when_full_and_late_yeses_are_told(world: World) -> None:
    first = await world.person("first")
    second = await world.person("second")
    need = await world.need(starts_in=timedelta(hours=20), urgent=True, helpers=1)
    await world.deliver()
    assert len(world.channel.sent) == 2
    yes = await answer_alert(world.db, first, need, True, world.now())
    assert yes.outcome == "signed_up"
    late = await answer_alert(world.db, second, need, True, world.now())
    assert late.outcome == "already_filled"
    async with world.db.sessions() as session:
        assert (await session.get(Need, need)).status == NeedStatus.FILLED  # type: ignore[union-attr]
        engaged = (
            await session.scalars(select(Engagement.person_id).where(Engagement.need_id == need))
        ).all()
    assert list(engaged) == [first]  # nobody waitlisted by a late "yes"


async def test_later_waves_ask_the_next_people_while_the_need_is_open(world: World) -> None:
    people = [
        await world.person(f"p{i}", at=(BURTSCHEID[0] + 0.002 * i, BURTSCHEID[1]))
        for i in range(WAVE_SIZE + 3)
    ]
    need = await world.need(starts_in=timedelta(hours=20), urgent=True, helpers=2)
    await world.deliver()
    first_wave = {who for _, who, _ in world.channel.sent}
    assert len(first_wave) == WAVE_SIZE
    await world.at(world.now() + timedelta(minutes=20))
    second_wave = {who for _, who, _ in world.channel.sent} - first_wave
    assert len(second_wave) == 3
    await answer_alert(world.db, people[0], need, True, world.now())
    await answer_alert(world.db, people[1], need, True, world.now())
    before = len(world.channel.sent)
    await world.at(world.now() + timedelta(hours=1))
    assert len(world.channel.sent) == before  # filled: no more asking


async def test_no_wave_asks_anyone_once_the_need_has_begun(world: World) -> None:
    for i in range(WAVE_SIZE + 3):
        await world.person(f"p{i}", at=(BURTSCHEID[0] + 0.002 * i, BURTSCHEID[1]))
    await world.need(starts_in=timedelta(minutes=10), urgent=True, helpers=2)
    await world.deliver()
    assert len(world.channel.sent) == WAVE_SIZE
    await world.at(world.now() + timedelta(minutes=20))  # the second wave, after the start
    assert len(world.channel.sent) == WAVE_SIZE
    async with world.db.sessions() as session:
        asked = (
            await session.scalars(select(Reminder.id).where(Reminder.kind == "urgent_alert"))
        ).all()
        waves = (
            await session.scalars(select(Reminder.status).where(Reminder.kind == "alert_wave"))
        ).all()
    assert len(asked) == WAVE_SIZE  # no rows written only to be dropped
    assert len(waves) == 2  # and no third wave planned


async def test_quiet_hours_shift_an_alert_to_the_morning(world: World) -> None:
    await world.person("heinrich")
    world.clock.set(datetime(2026, 12, 1, 21, 30, tzinfo=UTC))  # 22:30 in Aachen
    await world.need(starts_in=timedelta(hours=14), urgent=True)
    await world.deliver()
    assert world.channel.sent == []
    await world.at(datetime(2026, 12, 2, 6, 59, tzinfo=UTC))  # 07:59 local
    assert world.channel.sent == []
    await world.at(datetime(2026, 12, 2, 7, 0, tzinfo=UTC))  # 08:00 local: quiet hours end
    assert len(world.channel.texts_to("telegram:heinrich")) == 1


async def test_the_weekly_budget_holds(world: World) -> None:
    await world.person("heinrich")
    async with world.db.transaction() as session:
        await session.execute(update(Tenant).values(weekly_budget=2))
    for i in range(4):
        await world.need(starts_in=timedelta(hours=20 + i), urgent=True, title=f"Dringend {i}")
        await world.deliver()
    assert len(world.channel.texts_to("telegram:heinrich")) == 2
    await world.at(world.now() + timedelta(days=8))
    await world.need(starts_in=timedelta(hours=20), urgent=True, title="Nächste Woche")
    await world.deliver()
    assert len(world.channel.texts_to("telegram:heinrich")) == 3  # a new week, a new budget


async def _dropped_alerts(world: World) -> list[tuple[str, str]]:
    async with world.db.sessions() as session:
        rows = (
            await session.scalars(
                select(Reminder).where(Reminder.kind == "urgent_alert").order_by(Reminder.id)
            )
        ).all()
        audited = (
            await session.scalars(select(AuditEvent).where(AuditEvent.action == "reminder_dropped"))
        ).all()
    why = {e.subject: e.data["why"] for e in audited}
    return [(r.status, why.get(f"reminder:{r.id}", "")) for r in rows]


@pytest.mark.parametrize("weekly", [False, True], ids=["one-off", "weekly"])
async def test_an_alert_held_by_quiet_hours_past_the_start_is_dropped(
    world: World, weekly: bool
) -> None:
    await world.person("heinrich", cells=("mo:vormittag",))
    world.clock.set(datetime(2026, 12, 6, 21, 30, tzinfo=UTC))  # Sunday 22:30 in Aachen
    # Monday, 7 December, 08:00-11:00 local: it begins as the quiet hours end.
    await world.need(
        starts_in=timedelta(hours=9, minutes=30),
        weekly=Weekly(("mo",), time(8), time(11)) if weekly else None,
        urgent=True,
    )
    await world.deliver()
    assert world.channel.sent == []  # held for the morning
    await world.at(datetime(2026, 12, 7, 7, 30, tzinfo=UTC))  # 08:30 local: it has begun
    assert world.channel.sent == []
    assert await _dropped_alerts(world) == [(ReminderStatus.DROPPED, "begun")]


async def test_a_held_alert_still_goes_out_before_the_need_begins(world: World) -> None:
    await world.person("heinrich")
    world.clock.set(datetime(2026, 12, 6, 21, 30, tzinfo=UTC))  # Sunday 22:30 in Aachen
    await world.need(starts_in=timedelta(hours=10), urgent=True)  # Monday 08:30 local
    await world.deliver()
    await world.at(datetime(2026, 12, 7, 7, 0, tzinfo=UTC))  # 08:00 local
    assert len(world.channel.texts_to("telegram:heinrich")) == 1


async def test_alerts_do_not_use_up_the_budget_for_the_follow_up(world: World) -> None:
    heinrich = await world.person("heinrich")
    own = await world.need(starts_in=timedelta(days=3), title="Tafel am Freitag")
    await sign_up(world.db, heinrich, own, world.now())
    for i in range(5):  # the weekly budget (5), all of it for alerts
        await world.need(starts_in=timedelta(hours=20 + i), urgent=True, title=f"Dringend {i}")
        await world.deliver()
    assert len(world.channel.texts_to("telegram:heinrich")) == 5
    await world.need(starts_in=timedelta(hours=30), urgent=True, title="Eine zu viel")
    await world.deliver()
    assert len(world.channel.texts_to("telegram:heinrich")) == 5  # alerts: budget used up
    follow_up = world.now() + timedelta(days=3, hours=3 + 2)
    await world.at(follow_up)
    texts = world.channel.texts_to("telegram:heinrich")
    assert "Wie war's bei Tafel am Freitag am " in texts[-1]


async def test_cannot_come_moves_the_waitlist_up(world: World) -> None:
    anna = await world.person("anna", alerts=False)
    ben = await world.person("ben", alerts=False)
    need = await world.need(starts_in=timedelta(days=3), helpers=1)
    first = await sign_up(world.db, anna, need, world.now())
    waiting = await sign_up(world.db, ben, need, world.now())
    assert waiting.waitlisted
    await world.at(world.now() + timedelta(days=2))  # the 24 h reminder
    payloads = [b.payload for b in world.channel.sent[0][2][0].buttons]
    assert payloads == [f"attend:{first.engagement_id}:yes", f"attend:{first.engagement_id}:no"]
    answer = await answer_attendance(world.db, anna, first.engagement_id, False, world.now())
    assert answer.outcome == "freed" and answer.moved_up_person_id == ben
    await world.deliver()
    _, to, (moved, *_) = world.channel.sent[-1]
    assert to == "telegram:ben" and "ist ein Platz frei geworden" in moved.text
    assert moved.attachments[0].filename.endswith(".ics")
    async with world.db.sessions() as session:
        assert (await session.get(Engagement, waiting.engagement_id)).waitlisted is False  # type: ignore[union-attr]
        anna_status = (await session.get(Engagement, first.engagement_id)).status  # type: ignore[union-attr]
        bens = (
            await session.scalars(
                select(Reminder.kind).where(Reminder.person_id == ben, Reminder.status == "pending")
            )
        ).all()
    assert anna_status == EngagementStatus.WITHDRAWN
    assert "before_2h" in bens  # Ben now gets Anna's reminders


async def test_cannot_come_without_a_waitlist_asks_available_people(world: World) -> None:
    anna = await world.person("anna", alerts=False)
    carla = await world.person("carla")
    need = await world.need(starts_in=timedelta(days=3), helpers=1)
    first = await sign_up(world.db, anna, need, world.now())
    await world.at(world.now() + timedelta(days=2))
    await answer_attendance(world.db, anna, first.engagement_id, False, world.now())
    await world.deliver()
    texts = world.channel.texts_to("telegram:carla")
    assert len(texts) == 1 and "Ein Platz ist frei geworden" in texts[0]
    yes = await answer_alert(world.db, carla, need, True, world.now())
    assert yes.outcome == "signed_up"


async def test_cannot_come_to_a_weekly_date_keeps_the_series_and_asks_nobody(world: World) -> None:
    from core.models import OrgNotice

    anna = await world.person("anna")
    carla = await world.person("carla")
    need = await world.need(weekly=Weekly(("mi",), time(15), time(17)), helpers=1)
    first = await sign_up(world.db, anna, need, world.now())
    answer = await answer_attendance(world.db, anna, first.engagement_id, False, world.now())
    assert answer.outcome == "skipped" and answer.skipped_start is not None
    await world.deliver()
    assert world.channel.texts_to("telegram:carla") == []  # no wave for the one date
    async with world.db.sessions() as session:
        status = (await session.get(Engagement, first.engagement_id)).status  # type: ignore[union-attr]
        kinds = (await session.scalars(select(OrgNotice.kind))).all()
        pending = (
            await session.scalars(
                select(Reminder.dedupe_key).where(
                    Reminder.engagement_id == first.engagement_id, Reminder.status == "pending"
                )
            )
        ).all()
    assert status == EngagementStatus.INTERESTED
    assert kinds == ["signed_up", "skips_date"]
    stamp = answer.skipped_start.strftime("%Y%m%dT%H%M")
    assert not [k for k in pending if stamp in k]
    assert carla
