"""Reminders arrive once, on time, in the person's language; late ones only
while still useful."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from core.models import AuditEvent, Identity, Reminder, ReminderStatus
from core.notify import Delivery, Traffic, current_traffic
from core.services.profiles import pause
from core.services.signup import sign_up
from dialogue.messages import Reply
from tests.core.reminders.conftest import World


async def _rows(world: World, **where: object) -> list[Reminder]:
    async with world.db.sessions() as session:
        q = select(Reminder).order_by(Reminder.due_at, Reminder.id)
        for key, value in where.items():
            q = q.where(getattr(Reminder, key) == value)
        return list((await session.scalars(q)).all())


async def test_sign_up_plans_24h_2h_and_follow_up(world: World) -> None:
    luisa = await world.person("luisa", alerts=False)
    need = await world.need(starts_in=timedelta(days=3))
    await sign_up(world.db, luisa, need, world.now())
    kinds = [(r.kind, r.due_at) for r in await _rows(world, person_id=luisa)]
    start = world.now() + timedelta(days=3)
    assert kinds == [
        ("before_24h", start - timedelta(hours=24)),
        ("before_2h", start - timedelta(hours=2)),
        ("follow_up", start + timedelta(hours=3) + timedelta(hours=2)),
    ]


async def test_each_kind_fires_at_its_time_in_the_persons_language(world: World) -> None:
    luisa = await world.person("luisa", alerts=False)
    tom = await world.person("tom", lang="en", alerts=False)
    need = await world.need(starts_in=timedelta(days=3), helpers=2)
    await sign_up(world.db, luisa, need, world.now())
    await sign_up(world.db, tom, need, world.now())
    start = world.now() + timedelta(days=3)

    await world.at(start - timedelta(hours=24, minutes=1))
    assert world.channel.sent == []  # not yet
    await world.at(start - timedelta(hours=24))
    assert "Morgen ist es so weit" in world.channel.texts_to("telegram:luisa")[0]
    assert "Tomorrow's the day" in world.channel.texts_to("telegram:tom")[0]
    buttons = world.channel.sent[0][2][0].buttons
    assert [b.payload.split(":")[2] for b in buttons] == ["yes", "no"]

    await world.at(start - timedelta(hours=2))
    assert "In zwei Stunden" in world.channel.texts_to("telegram:luisa")[1]
    assert "Petra" in world.channel.texts_to("telegram:luisa")[1]  # contact in the 2 h reminder

    await world.at(start + timedelta(hours=5))
    assert "Wie war's" in world.channel.texts_to("telegram:luisa")[2]
    assert "How was" in world.channel.texts_to("telegram:tom")[2]
    assert len(world.channel.sent) == 6


async def test_delivering_twice_sends_once(world: World) -> None:
    luisa = await world.person("luisa", alerts=False)
    need = await world.need(starts_in=timedelta(days=3))
    await sign_up(world.db, luisa, need, world.now())
    due = world.now() + timedelta(days=2)
    await world.at(due)
    await world.at(due)
    await world.at(due + timedelta(minutes=1))
    assert len(world.channel.texts_to("telegram:luisa")) == 1


async def test_a_reminder_late_within_grace_is_still_sent(world: World) -> None:
    luisa = await world.person("luisa", alerts=False)
    need = await world.need(starts_in=timedelta(days=3))
    await sign_up(world.db, luisa, need, world.now())
    start = world.now() + timedelta(days=3)
    # The service was down from before the 24 h reminder until 20 minutes after the 2 h one.
    await world.at(start - timedelta(hours=2) + timedelta(minutes=20))
    statuses = {r.kind: r.status for r in await _rows(world, person_id=luisa)}
    # The 24 h one is 22 h late: dropped; the 2 h one is 20 min late: sent.
    assert statuses["before_24h"] == ReminderStatus.DROPPED
    assert statuses["before_2h"] == ReminderStatus.SENT
    texts = world.channel.texts_to("telegram:luisa")
    assert len(texts) == 1 and "In zwei Stunden" in texts[0]


async def test_a_reminder_beyond_grace_is_dropped_and_audited(world: World) -> None:
    luisa = await world.person("luisa", alerts=False)
    need = await world.need(starts_in=timedelta(days=3))
    await sign_up(world.db, luisa, need, world.now())
    start = world.now() + timedelta(days=3)
    await world.at(start - timedelta(minutes=10))  # 2 h reminder is 110 min late
    assert world.channel.sent == []
    dropped = await _rows(world, status=ReminderStatus.DROPPED, person_id=luisa)
    assert {r.kind for r in dropped} == {"before_24h", "before_2h"}
    async with world.db.sessions() as session:
        audited = (
            await session.scalars(
                select(AuditEvent.subject).where(AuditEvent.action == "reminder_dropped")
            )
        ).all()
    assert {f"reminder:{r.id}" for r in dropped} <= set(audited)


async def test_an_outage_keeps_the_reminder_for_the_next_tick(world: World) -> None:
    luisa = await world.person("luisa", alerts=False)
    need = await world.need(starts_in=timedelta(days=3))
    await sign_up(world.db, luisa, need, world.now())
    due = world.now() + timedelta(days=2)
    world.channel.down = True
    outcomes = await world.at(due)
    assert "failed" in [o.status for o in outcomes]
    world.channel.down = False
    await world.at(due + timedelta(minutes=1))
    assert len(world.channel.texts_to("telegram:luisa")) == 1


async def test_a_blocked_identity_is_marked_unreachable_and_skipped(world: World) -> None:
    luisa = await world.person("luisa", alerts=False)
    need = await world.need(starts_in=timedelta(days=3))
    await sign_up(world.db, luisa, need, world.now())
    world.channel.blocked.add("telegram:luisa")
    await world.at(world.now() + timedelta(days=2))
    statuses = {r.kind: r.status for r in await _rows(world, person_id=luisa)}
    assert statuses["before_24h"] == ReminderStatus.SKIPPED
    async with world.db.sessions() as session:
        marked = await session.scalar(
            select(Identity.unreachable_at).where(Identity.key == "telegram:luisa")
        )
    assert marked is not None


async def test_a_muted_kind_is_not_sent(world: World) -> None:
    from core.services.profiles import get_profile, save_profile

    luisa = await world.person("luisa", alerts=False)
    profile = await get_profile(world.db, luisa)
    assert profile is not None
    from dataclasses import replace

    await save_profile(
        world.db, replace(profile, muted_kinds=("before_24h",)), world.app.taxonomy, world.now()
    )
    need = await world.need(starts_in=timedelta(days=3))
    await sign_up(world.db, luisa, need, world.now())
    await world.at(world.now() + timedelta(days=3) - timedelta(hours=2))
    texts = world.channel.texts_to("telegram:luisa")
    assert len(texts) == 1 and "In zwei Stunden" in texts[0]


async def test_a_pause_holds_back_alerts_but_not_own_dates(world: World) -> None:
    heinrich = await world.person("heinrich")
    await pause(world.db, heinrich, world.now() + timedelta(days=7))
    await world.need(starts_in=timedelta(hours=20), urgent=True)
    await world.deliver()
    assert world.channel.texts_to("telegram:heinrich") == []


async def test_a_weekly_need_reminds_before_every_date(world: World) -> None:
    from core.reminders.housekeeping import run_housekeeping
    from core.schedule import Weekly

    luisa = await world.person("luisa", alerts=False)
    # Thursdays 15-17 in Aachen; NOW is Tuesday, 1 December, 10:00.
    need = await world.need(weekly=Weekly(("do",), time(15), time(17)))
    await sign_up(world.db, luisa, need, world.now())
    first_24h = datetime(2026, 12, 2, 14, tzinfo=UTC)  # Wed 15:00 local
    await world.at(first_24h)
    await run_housekeeping(world.db, world.now())
    await world.at(datetime(2026, 12, 3, 12, tzinfo=UTC))  # Thu 13:00 local: 2 h before
    await world.at(datetime(2026, 12, 3, 19, tzinfo=UTC))  # 20:00 local: after the first date
    await run_housekeeping(world.db, world.now())  # plans the next Thursday
    await world.at(datetime(2026, 12, 9, 14, tzinfo=UTC))  # Wed 15:00 local, a week on
    texts = world.channel.texts_to("telegram:luisa")
    assert [t.split(" ", 1)[0] for t in texts] == ["⏰", "🕑", "🙂", "⏰"]
    assert "Do., 10. Dez." in texts[-1]


async def test_the_weekly_digest_comes_on_the_chosen_day_and_hour(world: World) -> None:
    from dataclasses import replace

    from core.reminders.housekeeping import run_housekeeping
    from core.services.profiles import get_profile, save_profile

    luisa = await world.person("luisa", alerts=False)
    profile = await get_profile(world.db, luisa)
    assert profile is not None
    await save_profile(
        world.db,
        replace(profile, digest=True, digest_weekday=1, digest_hour=18),
        world.app.taxonomy,
        world.now(),
    )
    await world.need(starts_in=timedelta(days=3), title="Weihnachtsfeier der Tafel")
    await run_housekeeping(world.db, world.now())  # Tuesday 10:00 local
    await world.at(datetime(2026, 12, 1, 16, 59, tzinfo=UTC))
    assert world.channel.texts_to("telegram:luisa") == []
    await world.at(datetime(2026, 12, 1, 17, 0, tzinfo=UTC))  # Tuesday 18:00 local
    texts = world.channel.texts_to("telegram:luisa")
    assert len(texts) == 1 and "Wochenübersicht" in texts[0]
    assert "Weihnachtsfeier der Tafel" in texts[0]
    await run_housekeeping(world.db, world.now())  # plans next Tuesday, not today again
    await world.at(datetime(2026, 12, 1, 17, 30, tzinfo=UTC))
    assert len(world.channel.texts_to("telegram:luisa")) == 1


async def test_organisations_hear_before_a_need_runs_out(world: World) -> None:
    from core.models import Membership, Role
    from core.schedule import Weekly

    member = await world.person("vorstand", alerts=False)
    async with world.db.transaction() as session:
        session.add(
            Membership(
                tenant_id=world.app.tenant_ids["stolberg"],
                organisation_id=world.org_id,
                person_id=member,
                role=Role.MEMBER,
                created_at=world.now(),
            )
        )
    await world.need(starts_in=timedelta(days=3), helpers=3, title="Sommerfest")
    async with world.db.transaction() as session:
        from core.models import Need
        from core.reminders.planning import plan_org_expiry

        weekly_id = await world.need(weekly=Weekly(("di",), time(9), time(12)), title="Ausgabe")
        weekly = await session.get(Need, weekly_id)
        assert weekly is not None
        weekly.valid_until = world.now() + timedelta(days=10)
        await plan_org_expiry(session, weekly, world.now())
    await world.at(world.now() + timedelta(days=1, hours=3))  # two days before the fest ends
    summary = world.channel.sent[-1][2][0]
    assert "Sommerfest" in summary.text and "0 von 3" in summary.text
    assert summary.buttons == ()  # a date cannot be extended
    await world.at(world.now() + timedelta(days=7))  # two days before the weekly one expires
    notice = world.channel.sent[-1][2][0]
    assert "Ausgabe" in notice.text and f"extend:{weekly_id}" in [b.payload for b in notice.buttons]


async def test_a_need_just_published_does_not_hear_0_of_2_at_once(world: World) -> None:
    """An urgent need for tomorrow: no "bisher 0 von 2" seconds after posting;
    a need a day and a half ahead hears of it once sign-ups had time to come."""
    urgent = await world.need(starts_in=timedelta(hours=20), urgent=True, helpers=2, title="Eilig")
    soon = await world.need(starts_in=timedelta(hours=36), helpers=2, title="Bald")
    later = await world.need(starts_in=timedelta(days=5), helpers=2, title="Später")
    async with world.db.sessions() as session:
        due = dict(
            (
                await session.execute(
                    select(Reminder.need_id, Reminder.due_at).where(Reminder.kind == "org_expiry")
                )
            ).all()
        )
    assert urgent not in due
    assert due[soon] == world.now() + timedelta(hours=12)
    assert due[later] == world.now() + timedelta(days=5, hours=3) - timedelta(days=2)


async def test_the_outbox_sends_as_bulk_so_chat_replies_go_first(world: World) -> None:
    seen: list[Traffic] = []
    record = world.channel.notify

    async def notify(tenant: str, identity: str, replies: Sequence[Reply]) -> Delivery:
        seen.append(current_traffic())
        return await record(tenant, identity, replies)

    world.channel.notify = notify  # type: ignore[method-assign]
    luisa = await world.person("luisa", alerts=False)
    need = await world.need(starts_in=timedelta(days=3))
    await sign_up(world.db, luisa, need, world.now())
    await world.at(world.now() + timedelta(days=2))  # the reminder a day before
    assert "Morgen ist es so weit" in world.channel.texts_to("telegram:luisa")[0]
    assert seen == [Traffic.BULK]
    assert current_traffic() is Traffic.REPLY  # and nothing after the delivery
