"""Issue 14, parts 1 and 2, as conversations: an organisation runs its needs
by message (post one-off, weekly and urgent needs, change any field by name,
list them with their sign-ups, close, cancel, extend) and hears about its
volunteers through the outbox, under the name each volunteer chose."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bots.bootstrap import App
from core.clock import as_utc
from core.models import (
    Engagement,
    Membership,
    Need,
    NeedStatus,
    Organisation,
    Person,
    Reminder,
    Role,
)
from core.notify import Delivery
from core.reminders.alerts import run_alert_wave
from core.reminders.delivery import deliver_due
from core.schedule import Weekly
from core.services.needs import NeedInput, moderate, post_need
from core.services.people import person_for_identity
from core.services.timeline import finish_past_engagements
from dialogue.markup import to_plain
from dialogue.messages import Incoming, Reply
from dialogue.notifications import ChannelSender, Renderer
from tests.conftest import NOW
from tests.dialogue.harness import Conversation

ORG = "Aachener Tafel (Demo) e.V."
BERLIN = ZoneInfo("Europe/Berlin")


@dataclass
class Outbox:
    """The chat channel at its boundary: what each identity was sent."""

    sent: list[tuple[str, tuple[Reply, ...]]] = field(default_factory=list)

    async def notify(self, tenant: str, identity: str, replies: Sequence[Reply]) -> Delivery:
        self.sent.append((identity, tuple(replies)))
        return Delivery.DELIVERED

    def texts_to(self, identity: str) -> list[str]:
        return [to_plain(r.text) for who, rs in self.sent if who == identity for r in rs]

    def about(self, identity: str, title: str) -> list[str]:
        """What the identity was told about one need (demo needs send their own)."""
        return [t for t in self.texts_to(identity) if title in t]


async def deliver(app: App, outbox: Outbox, at: datetime) -> None:
    app.clock.set(at)  # type: ignore[attr-defined]
    sender = ChannelSender(Renderer(app.db, app.tenants), {"test": outbox}, app.clock)
    await deliver_due(app.db, sender, at, {"alert_wave": run_alert_wave})


async def consent(conv: Conversation) -> None:
    await conv.command("start")
    await conv.press("f:consent:yes")


async def org_member(app: App, conv: Conversation, organisation: str = ORG) -> int:
    """A chat person linked to the organisation (as an invite link would)."""
    await consent(conv)
    person = await person_for_identity(app.db, conv.identity, conv.tenant)
    assert person is not None
    async with app.db.transaction() as session:
        org = (
            await session.execute(select(Organisation).where(Organisation.name == organisation))
        ).scalar_one()
        session.add(
            Membership(
                tenant_id=org.tenant_id,
                organisation_id=org.id,
                person_id=person.id,
                role=Role.MEMBER,
                created_at=NOW,
            )
        )
        return int(org.id)


async def published_need(
    app: App, org_id: int, *, title: str, helpers: int = 3, weekly: Weekly | None = None,
    valid_until: datetime | None = None,
) -> int:  # fmt: skip
    starts = NOW + timedelta(days=3)
    ref = await post_need(
        app.db,
        organisation_id=org_id,
        data=NeedInput(
            title=title,
            category="soziales",
            place="Burtscheid",
            starts_at=None if weekly else starts,
            ends_at=None if weekly else starts + timedelta(hours=3),
            weekly=weekly,
            valid_until=valid_until,
            helpers_wanted=helpers,
        ),
        taxonomy=app.taxonomy,
        places=app.places,
        now=NOW,
        tz=BERLIN,
        actor="test",
    )
    if ref.status.value == "pending_review":
        await moderate(app.db, ref.id, approve=True, reason=None, actor="test", now=NOW)
    return ref.id


async def need_row(app: App, need_id: int) -> Need:
    async with app.db.sessions() as session:
        need = await session.get(Need, need_id)
        assert need is not None
        return need


async def latest_need(app: App, org_id: int) -> Need:
    async with app.db.sessions() as session:
        need = await session.scalar(
            select(Need).where(Need.organisation_id == org_id).order_by(Need.id.desc()).limit(1)
        )
        assert need is not None
        return need


async def sign_up(conv: Conversation, need_id: int, name: str | None = "Anna") -> None:
    """A volunteer with consent signs up; the name question is answered (or skipped)."""
    await conv.press(f"need:{need_id}:signup")
    assert "dabei" in conv.text
    if name is None:
        await conv.press("f:name:skip")
    else:
        await conv.say(name)


# -- posting --------------------------------------------------------------------


async def test_one_off_need_by_sentence_preview_has_every_field_and_edits_by_name(
    app: App,
) -> None:
    member = Conversation(app, identity="test:org")
    org_id = await org_member(app, member)

    await member.say("Wir brauchen morgen 3 Leute für die Tafel, 10-14 Uhr")
    assert "Wo?" in member.text
    await member.say("Aachen-Mitte")
    preview = member.text
    for shown in (
        "So würde der Bedarf aussehen",
        "Unterstützung für die Tafel",
        ORG,
        "📝 –",  # no description yet
        "Mi., 2. Dez., 10:00–14:00",
        "3 Helfende",
        "Nachweise: –",
        "Dringend: nein",
        "Ort ändern: Haaren",  # the hint how to change a field
    ):
        assert shown in preview, (shown, preview.split("\n"))
    assert "f:confirm:yes" in member.payloads() and "f:confirm:edit" in member.payloads()

    await member.say("Ort ändern: Haaren")
    assert "📍 Haaren" in member.text and "So würde der Bedarf aussehen" in member.text
    await member.say("Zeit ändern: 9-12")
    assert "Mi., 2. Dez., 09:00–12:00" in member.text
    await member.say("Zeit ändern: 15-9")  # a slip, not an 18-hour night: asked again
    assert "Von wann bis wann?" in member.text and "15:00" not in member.text, member.text
    await member.say("9-12")
    assert "Mi., 2. Dez., 09:00–12:00" in member.text
    await member.say("Beschreibung: Lebensmittel sortieren und ausgeben")
    assert "📝 Lebensmittel sortieren und ausgeben" in member.text
    await member.say("Anzahl ändern: 5")
    assert "5 Helfende" in member.text
    # The ✏️ button lists the fields; one of them is asked again.
    await member.press("f:confirm:edit")
    assert "f:confirm:field:title" in member.payloads()
    await member.press("f:confirm:field:title")
    await member.say("Ausgabe bei der Tafel")
    assert "<b>" not in member.text and "Ausgabe bei der Tafel" in member.text

    await member.press("f:confirm:yes")
    assert "Redaktion" in member.text
    assert (await member.state()).flow is None
    need = await latest_need(app, org_id)
    assert need.title == "Ausgabe bei der Tafel"
    assert need.place_label == "Haaren"
    assert need.description == "Lebensmittel sortieren und ausgeben"
    assert need.helpers_wanted == 5
    assert need.starts_at is not None
    assert need.starts_at.astimezone(BERLIN).strftime("%d.%m. %H:%M") == "02.12. 09:00"
    assert need.urgent is False and need.status.value == "pending_review"


async def test_weekly_need_by_guided_form_with_end_date_and_qualifications(app: App) -> None:
    member = Conversation(app, identity="test:org")
    org_id = await org_member(app, member)

    await member.command("bedarf")
    assert "Wie heißt die Aufgabe" in member.text
    await member.say("Hausaufgabenhilfe in der Grundschule")
    assert "f:category:bildung" in member.payloads()  # the title fills nothing else
    await member.press("f:category:bildung")
    assert "f:repeat:weekly" in member.payloads()
    await member.press("f:repeat:weekly")
    for day in ("di", "do"):
        await member.press(f"f:days:{day}")
    await member.press("f:days:done")
    assert "Bis wann" in member.text
    await member.say("31.3.2027")
    assert "Von wann bis wann" in member.text
    await member.say("15-17 Uhr")
    await member.press("f:count:2")
    await member.say("Burtscheid")
    assert "Beschreib" in member.text
    await member.say("Kinder bei den Hausaufgaben begleiten")
    await member.press("f:qualifications:fuehrungszeugnis")
    await member.press("f:qualifications:done")
    assert "dringend" in member.text.casefold()
    await member.press("f:urgent:no")

    preview = member.text
    for shown in (
        "Hausaufgabenhilfe in der Grundschule",
        "📝 Kinder bei den Hausaufgaben begleiten",
        "Di, Do, 15:00–17:00 Uhr · bis 31. März",
        "2 Helfende",
        "Führungszeugnis",
        "Dringend: nein",
    ):
        assert shown in preview, (shown, preview.split("\n"))

    await member.press("f:confirm:yes")
    need = await latest_need(app, org_id)
    assert need.recurrence == {"days": ["di", "do"], "from": "15:00", "to": "17:00"}
    assert need.valid_until is not None
    assert need.valid_until.astimezone(UTC) == datetime(2027, 3, 31, 22, 0, tzinfo=UTC)
    assert need.qualifications == ["fuehrungszeugnis"]
    assert need.category == "bildung" and need.starts_at is None


async def test_urgent_need_of_a_verified_organisation_starts_its_alert_wave(app: App) -> None:
    member = Conversation(app, identity="test:org")
    org_id = await org_member(app, member)
    async with app.db.transaction() as session:  # demo organisations are verified
        assert (await session.get(Organisation, org_id)).verified  # type: ignore[union-attr]

    await member.say("Wir brauchen dringend morgen 4 Helfer für die Tafel, 10-14 Uhr")
    await member.say("Aachen-Mitte")
    assert "Dringend: ja" in member.text
    await member.press("f:confirm:yes")
    assert "dringend" in member.text.casefold() and "frage jetzt" in member.text

    need = await latest_need(app, org_id)
    assert need.urgent and need.status.value == "published"  # no waiting for the editors
    async with app.db.sessions() as session:
        waves = (
            await session.scalars(
                select(Reminder.kind).where(
                    Reminder.need_id == need.id, Reminder.kind == "alert_wave"
                )
            )
        ).all()
    assert waves == ["alert_wave"]


# -- my needs ---------------------------------------------------------------------


async def test_my_needs_lists_sign_up_counts_and_changes_a_need_by_field(app: App) -> None:
    member = Conversation(app, identity="test:org")
    org_id = await org_member(app, member)
    need_id = await published_need(app, org_id, title="Regale einräumen", helpers=3)
    volunteer = Conversation(app, identity="test:vol")
    await consent(volunteer)
    await sign_up(volunteer, need_id)

    await member.command("bedarfe")
    assert "Regale einräumen" in member.text and "👥 1/3" in member.text
    assert f"orgn:{need_id}" in member.payloads()
    await member.press(f"orgn:{need_id}")
    assert "1 von 3 angemeldet" in member.text
    for action in ("edit", "close", "cancel"):
        assert f"orgn:{need_id}:{action}" in member.payloads()

    await member.press(f"orgn:{need_id}:edit")
    assert "So würde der geänderte Bedarf aussehen" in member.text
    await member.say("Anzahl ändern: 6")
    await member.press("f:confirm:yes")
    assert "Gespeichert" in member.text
    # Aachen reviews changes: the need stays public as it was meanwhile.
    assert "bisherigen Fassung sichtbar" in member.text
    assert (await need_row(app, need_id)).helpers_wanted == 3
    await moderate(app.db, need_id, approve=True, reason=None, actor="editor", now=NOW)
    assert (await need_row(app, need_id)).helpers_wanted == 6

    # The English alias and the menu lead to the same list.
    await member.command("needs")
    assert "👥 1/6" in member.text
    await member.command("menu")
    assert "menu:my_needs" in member.payloads()


async def test_a_waiting_change_shows_beside_what_is_live_in_the_list_and_the_detail(
    app: App,
) -> None:
    """Walked: after "Anzahl ändern: 6" the detail said "0 von 6" while the
    public page still said 3, and nothing told the member why."""
    member = Conversation(app, identity="test:org")
    org_id = await org_member(app, member)
    need_id = await published_need(app, org_id, title="Regale einräumen", helpers=3)

    await member.press(f"orgn:{need_id}:edit")
    await member.say("Anzahl ändern: 6")
    await member.press("f:confirm:yes")
    await member.command("bedarfe")
    line = next(x for x in member.text.split("\n") if "Regale einräumen" in x)
    assert "👥 0/3" in line and "Änderung wartet auf die Redaktion" in line, line

    await member.press(f"orgn:{need_id}")
    lines = member.text.split("\n")
    waiting = lines.index(next(x for x in lines if x.startswith("⏳ Deine Änderung wartet")))
    live, changed = lines[:waiting], lines[waiting + 1 :]
    assert "👥 3 Helfende" in live and "Regale einräumen" in live
    assert changed[0] == "👥 6 Helfende"  # only what changes, not the whole need again
    assert "Regale einräumen" not in changed
    assert "0 von 3 angemeldet" in member.text  # as the public sees it

    await moderate(app.db, need_id, approve=True, reason=None, actor="editor", now=NOW)
    await member.press(f"orgn:{need_id}")
    assert "wartet" not in member.text and "👥 6 Helfende" in member.text
    await member.command("bedarfe")
    assert "Änderung wartet" not in member.text


async def test_a_time_change_waits_for_review_without_hiding_the_need_then_tells_once(
    app: App,
) -> None:
    """QA: ✏️ → "Zeit ändern: 17:30-19:30" on a published need with a sign-up
    hid the need and the volunteer's date until an editor approved."""
    member = Conversation(app, identity="test:org")
    org_id = await org_member(app, member)
    need_id = await published_need(app, org_id, title="Tafel ausgeben", helpers=3)
    volunteer = Conversation(app, identity="test:vol")
    await consent(volunteer)
    await sign_up(volunteer, need_id)

    await member.command("bedarfe")
    await member.press(f"orgn:{need_id}:edit")
    await member.say("Zeit ändern: 17:30-19:30")
    await member.press("f:confirm:yes")
    assert "Redaktion" in member.text and "bisherigen Fassung" in member.text

    need = await need_row(app, need_id)
    assert need.status.value == "published" and need.pending_change is not None
    await volunteer.command("termine")
    assert "Tafel ausgeben" in volunteer.text  # still in "Meine Termine"

    outbox = Outbox()
    day = datetime(2026, 12, 1, 10, tzinfo=UTC)
    await deliver(app, outbox, day)
    assert not [t for t in outbox.about(volunteer.identity, "Tafel ausgeben") if "Geändert" in t]

    await moderate(app.db, need_id, approve=True, reason=None, actor="editor", now=day)
    await deliver(app, outbox, day + timedelta(minutes=1))
    await deliver(app, outbox, day + timedelta(hours=1))  # nothing twice
    told = [t for t in outbox.about(volunteer.identity, "Tafel ausgeben") if "Geändert" in t]
    assert len(told) == 1 and "17:30" in told[0], told
    sent = [r for who, rs in outbox.sent if who == volunteer.identity for r in rs]
    ics = [a for r in sent if "Geändert" in to_plain(r.text) for a in r.attachments]
    assert ics and b"SEQUENCE:" in ics[0].content


async def test_close_early_and_extend_a_weekly_need(app: App) -> None:
    member = Conversation(app, identity="test:org")
    org_id = await org_member(app, member)
    until = NOW + timedelta(days=10)
    weekly = Weekly(("sa",), datetime(2026, 1, 1, 10).time(), datetime(2026, 1, 1, 12).time())
    need_id = await published_need(
        app, org_id, title="Samstagsausgabe", weekly=weekly, valid_until=until
    )

    await member.command("bedarfe")
    await member.press(f"orgn:{need_id}")
    await member.press(f"orgn:{need_id}:extend")
    assert "läuft jetzt bis" in member.text
    assert (await need_row(app, need_id)).valid_until == until + timedelta(weeks=4)

    await member.press(f"orgn:{need_id}")
    await member.press(f"orgn:{need_id}:close")  # asks first, and says what it means
    assert "vorzeitig schließen?" in member.text and "bleibt dabei" in member.text
    assert (await need_row(app, need_id)).status.value == "published"
    assert f"orgn:{need_id}" in member.payloads()  # "Nein, zurück"
    await member.press(f"orgn:{need_id}:close:yes")
    assert "keine neuen Anmeldungen" in member.text
    assert (await need_row(app, need_id)).status.value == "filled"


async def test_a_stranger_cannot_touch_another_organisations_need(app: App) -> None:
    member = Conversation(app, identity="test:org")
    org_id = await org_member(app, member)
    need_id = await published_need(app, org_id, title="Nur für uns")
    stranger = Conversation(app, identity="test:x")
    await consent(stranger)
    await stranger.press(f"orgn:{need_id}:cancel:yes")
    assert (await need_row(app, need_id)).status.value == "published"
    await stranger.command("bedarfe")
    assert "verknüpft" in stranger.text  # not linked to any organisation


async def test_cancel_tells_each_sign_up_once_through_the_outbox_after_quiet_hours(
    app: App,
) -> None:
    member = Conversation(app, identity="test:org")
    org_id = await org_member(app, member)
    need_id = await published_need(app, org_id, title="Weihnachtsaktion", helpers=3)
    people = [Conversation(app, identity=f"test:vol{i}") for i in (1, 2)]
    for conv, name in zip(people, ("Anna", None), strict=True):
        await consent(conv)
        await sign_up(conv, need_id, name)

    late = datetime(2026, 12, 1, 21, 30, tzinfo=UTC)  # 22:30 in Aachen: quiet hours
    app.clock.set(late)  # type: ignore[attr-defined]
    await member.command("bedarfe")
    await member.press(f"orgn:{need_id}")
    await member.press(f"orgn:{need_id}:cancel")
    assert "wirklich absagen" in member.text
    await member.press(f"orgn:{need_id}:cancel:yes")
    assert "abgesagt" in member.text and "2" in member.text
    assert (await need_row(app, need_id)).status.value == "cancelled"

    outbox = Outbox()
    await deliver(app, outbox, late + timedelta(minutes=1))
    for conv in people:  # nobody is woken at night
        assert not [t for t in outbox.texts_to(conv.identity) if "abgesagt" in t]

    morning = datetime(2026, 12, 2, 7, 5, tzinfo=UTC)  # 08:05 in Aachen
    await deliver(app, outbox, morning)
    await deliver(app, outbox, morning + timedelta(hours=1))  # nothing twice
    for conv in people:
        told = [t for t in outbox.texts_to(conv.identity) if "Weihnachtsaktion" in t]
        assert len(told) == 1, (conv.identity, outbox.texts_to(conv.identity))
        assert "abgesagt" in told[0]
    async with app.db.sessions() as session:
        rows = await session.scalar(
            select(func.count())
            .select_from(Reminder)
            .where(Reminder.need_id == need_id, Reminder.kind == "need_cancelled")
        )
    assert rows == 2
    # A second cancel (a retried button) tells nobody again.
    await member.press(f"orgn:{need_id}:cancel:yes")
    assert "geht bei diesem Bedarf gerade nicht" in member.text


# -- organisations hear about their volunteers ------------------------------------------


async def test_member_hears_of_sign_up_withdrawal_and_cant_come_once_by_chosen_name(
    app: App,
) -> None:
    member = Conversation(app, identity="test:org")
    org_id = await org_member(app, member)
    need_id = await published_need(app, org_id, title="Kleiderkammer sortieren")
    volunteer = Conversation(app, identity="test:vol")
    await consent(volunteer)
    await sign_up(volunteer, need_id, "Anna")
    assert "„Anna“" in volunteer.text

    outbox = Outbox()
    at = NOW + timedelta(minutes=1)
    await deliver(app, outbox, at)
    await deliver(app, outbox, at + timedelta(minutes=5))
    heard = outbox.about(member.identity, "Kleiderkammer")
    assert heard == ["🙋 Anna hat sich für Kleiderkammer sortieren angemeldet."]
    assert "cmd:bedarfe" in [b.payload for _, rs in outbox.sent for r in rs for b in r.buttons]
    assert not [t for t in outbox.texts_to(volunteer.identity) if "angemeldet" in t]

    await volunteer.command("termine")
    engagement = next(p for p in volunteer.payloads() if p.startswith("eng:"))
    await volunteer.press(engagement)
    await volunteer.press(engagement + ":yes")
    await deliver(app, outbox, at + timedelta(minutes=10))
    assert outbox.about(member.identity, "Kleiderkammer")[1:] == [
        "↩️ Anna hat sich von Kleiderkammer sortieren abgemeldet."
    ]

    # Signed up again, then "❌ Ich kann nicht" on the reminder: the organisation hears.
    await volunteer.press(f"need:{need_id}:signup")
    assert "Unter welchem Namen" not in volunteer.text  # asked once only
    async with app.db.sessions() as session:
        engagement_id = await session.scalar(
            select(Engagement.id).where(Engagement.need_id == need_id)
        )
    await volunteer.press(f"attend:{engagement_id}:no")
    await deliver(app, outbox, at + timedelta(minutes=20))
    assert outbox.about(member.identity, "Kleiderkammer")[2:] == [
        "🙋 Anna hat sich für Kleiderkammer sortieren angemeldet.",
        "❌ Anna kann zu Kleiderkammer sortieren nicht kommen; der Platz ist wieder frei.",
    ]


async def test_org_notices_wait_for_the_end_of_quiet_hours(app: App) -> None:
    member = Conversation(app, identity="test:org")
    org_id = await org_member(app, member)
    need_id = await published_need(app, org_id, title="Nachtschicht")
    volunteer = Conversation(app, identity="test:vol")
    await consent(volunteer)
    late = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)  # 23:00 in Aachen
    app.clock.set(late)  # type: ignore[attr-defined]
    await sign_up(volunteer, need_id, None)

    outbox = Outbox()
    await deliver(app, outbox, late + timedelta(minutes=1))
    assert outbox.about(member.identity, "Nachtschicht") == []
    await deliver(app, outbox, datetime(2026, 12, 2, 7, 1, tzinfo=UTC))
    # Without a chosen name the organisation sees what it always saw.
    assert outbox.about(member.identity, "Nachtschicht") == [
        "🙋 Eine freiwillige Person hat sich für Nachtschicht angemeldet."
    ]


# -- the display name ---------------------------------------------------------------------


async def test_display_name_is_asked_once_with_the_channels_first_name_as_default(
    app: App,
) -> None:
    member = Conversation(app, identity="test:org")
    org_id = await org_member(app, member)
    first = await published_need(app, org_id, title="Erster Einsatz")
    second = await published_need(app, org_id, title="Zweiter Einsatz")
    volunteer = Conversation(app, identity="test:vol")
    await consent(volunteer)

    await volunteer.send(
        Incoming(
            identity=volunteer.identity,
            tenant=volunteer.tenant,
            button=f"need:{first}:signup",
            first_name="Anna Maria",
        )
    )
    assert "Unter welchem Namen" in volunteer.text and "„Anna“" in volunteer.text
    assert "f:name:first" in volunteer.payloads() and "f:name:skip" in volunteer.payloads()
    await volunteer.say("12345")  # no name: asked again, nothing stored
    assert "nur einen Namen" in volunteer.text
    await volunteer.say("Danke")  # small talk is no name either
    assert "nur einen Namen" in volunteer.text
    await volunteer.press("f:name:first")
    assert "Organisationen sehen dich als „Anna“" in volunteer.text

    await volunteer.press(f"need:{second}:signup")
    assert "dabei" in volunteer.text and "Unter welchem Namen" not in volunteer.text
    assert (await volunteer.state()).flow is None
    async with app.db.sessions() as session:
        person = await session.scalar(
            select(Person).join(Engagement, Engagement.person_id == Person.id).limit(1)
        )
        assert person is not None and person.display_name == "Anna"
        assert person.name_asked_at is not None


async def test_a_skipped_name_is_not_asked_again(app: App) -> None:
    member = Conversation(app, identity="test:org")
    org_id = await org_member(app, member)
    needs = [await published_need(app, org_id, title=f"Einsatz {i}") for i in (1, 2)]
    volunteer = Conversation(app, identity="test:vol")
    await consent(volunteer)
    await sign_up(volunteer, needs[0], None)
    assert "Eine freiwillige Person" in volunteer.text
    await volunteer.press(f"need:{needs[1]}:signup")
    assert "Unter welchem Namen" not in volunteer.text
    async with app.db.sessions() as session:
        person = await session.scalar(
            select(Person).join(Engagement, Engagement.person_id == Person.id).limit(1)
        )
    assert person is not None and person.display_name is None
    assert person.name_asked_at is not None


@pytest.fixture(autouse=True)
def _now(app: App) -> None:
    app.clock.set(NOW)  # type: ignore[attr-defined]


async def test_no_show_is_noted_and_the_other_members_hear_of_it(app: App) -> None:
    member = Conversation(app, identity="test:org")
    org_id = await org_member(app, member)
    colleague = Conversation(app, identity="test:org2")
    await org_member(app, colleague)
    need_id = await published_need(app, org_id, title="Flohmarkt aufbauen")
    volunteer = Conversation(app, identity="test:vol")
    await consent(volunteer)
    await sign_up(volunteer, need_id, "Anna")

    await member.command("bedarfe")
    await member.press(f"orgn:{need_id}")
    assert "Angemeldet: Anna" in member.text  # the name the volunteer chose
    assert not [p for p in member.payloads() if ":noshow:" in p]  # not before it began

    after = NOW + timedelta(days=3, hours=1)
    app.clock.set(after)  # type: ignore[attr-defined]
    await member.press(f"orgn:{need_id}")
    (no_show,) = [p for p in member.payloads() if ":noshow:" in p]
    await member.press(no_show)  # asks first, naming the person and the date
    assert "War Anna am" in member.text and "nicht da?" in member.text, member.text
    async with app.db.sessions() as session:
        assert (
            await session.scalar(select(Engagement.status).where(Engagement.need_id == need_id))
            != "no_show"
        )
    await member.press(f"{no_show}:yes")
    assert "Vermerkt" in member.text
    await member.press(f"{no_show}:yes")  # the button again: nothing changes, no second notice
    assert "schon vermerkt" in member.text and "Vermerkt." not in member.text, member.text
    await member.press(no_show)  # the question's button again: said, not asked again
    assert "schon vermerkt" in member.text and "nicht da?" not in member.text, member.text
    await member.press(f"orgn:{need_id}")
    assert not [p for p in member.payloads() if ":noshow:" in p]  # noted: no button again

    outbox = Outbox()
    await deliver(app, outbox, after + timedelta(minutes=1))
    await deliver(app, outbox, after + timedelta(minutes=2))
    # (the sign-up's notice, three days old, was dropped as too late)
    assert outbox.about(colleague.identity, "Flohmarkt") == [
        "⚠️ Anna war bei Flohmarkt aufbauen nicht da."
    ]
    assert outbox.about(member.identity, "nicht da") == []  # who noted it is not told
    async with app.db.sessions() as session:
        status = await session.scalar(
            select(Engagement.status).where(Engagement.need_id == need_id)
        )
    assert status is not None and status.value == "no_show"


async def test_no_show_of_a_weekly_need_only_for_a_date_that_has_passed(app: App) -> None:
    member = Conversation(app, identity="test:org")
    org_id = await org_member(app, member)
    weekly = Weekly(("mi",), datetime(2026, 1, 1, 15).time(), datetime(2026, 1, 1, 17).time())
    need_id = await published_need(app, org_id, title="Lesepaten", weekly=weekly)
    volunteer = Conversation(app, identity="test:vol")
    await consent(volunteer)
    await sign_up(volunteer, need_id, "Anna")

    await member.command("bedarfe")
    await member.press(f"orgn:{need_id}")
    assert not [p for p in member.payloads() if ":noshow:" in p]  # no Wednesday yet
    async with app.db.sessions() as session:
        engagement = await session.scalar(
            select(Engagement.id).where(Engagement.need_id == need_id)
        )
    await member.press(f"orgn:{need_id}:noshow:{engagement}:yes")  # an old or typed payload
    assert "geht bei diesem Bedarf gerade nicht" in member.text
    async with app.db.sessions() as session:
        noted = await session.scalar(
            select(func.count()).select_from(Reminder).where(Reminder.kind == "org_notice")
        )
    assert noted == 1  # only the sign-up's notice

    first_wednesday = NOW.astimezone(BERLIN).date()
    while (
        first_wednesday.weekday() != 2
        or datetime.combine(first_wednesday, weekly.start, BERLIN) < NOW
    ):
        first_wednesday += timedelta(days=1)
    app.clock.set(datetime.combine(first_wednesday, weekly.end, BERLIN))  # type: ignore[attr-defined]
    await member.press(f"orgn:{need_id}")
    (no_show,) = [p for p in member.payloads() if ":noshow:" in p]
    await member.press(no_show)
    assert "War Anna am Mi." in member.text and "Lesepaten" in member.text, member.text
    await member.press(f"{no_show}:yes")
    assert "Vermerkt" in member.text
    await member.press(f"orgn:{need_id}")
    assert not [p for p in member.payloads() if ":noshow:" in p]  # this Wednesday is noted


async def test_a_past_need_still_counts_who_came_and_a_no_show_can_be_noted(app: App) -> None:
    member = Conversation(app, identity="test:org")
    org_id = await org_member(app, member)
    need_id = await published_need(app, org_id, title="Flohmarkt aufbauen", helpers=4)
    volunteer = Conversation(app, identity="test:vol")
    await consent(volunteer)
    await sign_up(volunteer, need_id, "Anna")

    over = NOW + timedelta(days=4)  # the date passed; housekeeping marks the sign-up done
    app.clock.set(over)  # type: ignore[attr-defined]
    assert await finish_past_engagements(app.db, over) == 1
    await member.command("bedarfe")
    assert "Flohmarkt aufbauen" in member.text and "👥 1/4" in member.text, member.text
    await member.press(f"orgn:{need_id}")
    assert "Angemeldet: Anna" in member.text and "👥 1 von 4" in member.text, member.text
    (no_show,) = [p for p in member.payloads() if ":noshow:" in p]
    await member.press(f"{no_show}:yes")
    assert "Vermerkt" in member.text, member.text
    await member.press(f"orgn:{need_id}")
    assert "👥 1 von 4" in member.text  # signed up, though not there
    assert not [p for p in member.payloads() if ":noshow:" in p]
    async with app.db.sessions() as session:
        status = await session.scalar(
            select(Engagement.status).where(Engagement.need_id == need_id)
        )
    assert status is not None and status.value == "no_show"


async def test_a_member_types_the_needs_title_with_what_to_do(app: App) -> None:
    """QA: "Hausaufgabenhilfe schließen" outside the need's detail was a search."""
    member = Conversation(app, identity="test:org")
    org_id = await org_member(app, member)
    need_id = await published_need(app, org_id, title="Flohmarkt aufbauen")
    await member.command("menu")
    await member.say("Flohmarkt aufbauen schließen")
    assert "„Flohmarkt aufbauen“ vorzeitig schließen?" in member.text, member.text
    assert f"orgn:{need_id}:close:yes" in member.payloads()
    await member.say("flohmarkt aufbauen absagen bitte")
    assert "„Flohmarkt aufbauen“ wirklich absagen?" in member.text, member.text
    await member.say("Weihnachtsmarkt schließen")  # no need of theirs: not taken for one
    assert "vorzeitig schließen?" not in member.text
    volunteer = Conversation(app, identity="test:vol")
    await consent(volunteer)
    await volunteer.command("menu")
    await volunteer.say("Flohmarkt aufbauen schließen")  # not a member: never theirs
    assert "vorzeitig schließen?" not in volunteer.text


async def test_the_first_sign_ups_notice_waits_for_the_name_asked_next(app: App) -> None:
    """QA: the name was asked after the organisation was told "Eine freiwillige
    Person"; the notice is worded at delivery and now waits a few minutes."""
    member = Conversation(app, identity="test:org")
    org_id = await org_member(app, member)
    need_id = await published_need(app, org_id, title="Flohmarkt aufbauen")
    volunteer = Conversation(app, identity="test:vol")
    await consent(volunteer)
    outbox = Outbox()
    await volunteer.press(f"need:{need_id}:signup")
    assert "Unter welchem Namen" in volunteer.text, volunteer.text
    await deliver(app, outbox, NOW + timedelta(seconds=30))
    assert outbox.about(member.identity, "Flohmarkt") == []  # not yet: the name is asked
    await volunteer.say("Anna", now=NOW + timedelta(minutes=1))
    await deliver(app, outbox, NOW + timedelta(minutes=6))
    assert outbox.about(member.identity, "Flohmarkt") == [
        "🙋 Anna hat sich für Flohmarkt aufbauen angemeldet."
    ]


async def test_english_member_changes_place_and_end_date_of_a_weekly_need(app: App) -> None:
    member = Conversation(app, identity="test:org", language_hint="en")
    org_id = await org_member(app, member)
    weekly = Weekly(("sa",), datetime(2026, 1, 1, 10).time(), datetime(2026, 1, 1, 12).time())
    need_id = await published_need(
        app, org_id, title="Saturday pantry", weekly=weekly, valid_until=NOW + timedelta(days=10)
    )

    await member.command("needs")
    assert "Your needs" in member.text and "Saturday pantry" in member.text
    await member.press(f"orgn:{need_id}:edit")
    assert "changed need would look" in member.text
    await member.say("change place: Haaren")
    assert "📍 Haaren" in member.text
    await member.say("end date: 30.6.2027")
    assert "until 30 Jun" in member.text
    await member.say("change urgent: yes")
    assert "Urgent: yes" in member.text, member.text
    # what a need requires, not the hours certificate ("Certificates:" confused QA)
    assert "🎓 Qualifications needed:" in member.text and "Certificates" not in member.text
    await member.press("f:confirm:yes")  # urgent, verified: no review (as when posting)
    need = await need_row(app, need_id)
    assert need.place_label == "Haaren"
    assert need.valid_until is not None
    assert need.valid_until.astimezone(BERLIN).date().isoformat() == "2027-07-01"
    assert need.recurrence == {"days": ["sa"], "from": "10:00", "to": "12:00"}
    assert need.urgent and need.status.value == "published"  # a verified organisation's
    assert "marked urgent" in member.text


async def test_my_needs_counts_places_taken_not_the_waitlist(app: App) -> None:
    """The list says what the need's own page says: 1 of 1, one waiting."""
    member = Conversation(app, identity="test:org")
    org_id = await org_member(app, member)
    need_id = await published_need(app, org_id, title="Nur ein Platz", helpers=1)
    for i in (1, 2):
        volunteer = Conversation(app, identity=f"test:vol{i}")
        await consent(volunteer)
        await volunteer.press(f"need:{need_id}:signup")
        await volunteer.press("f:name:skip")

    await member.command("bedarfe")
    line = next(x for x in member.text.split("\n") if "Nur ein Platz" in x)
    assert "👥 1/1" in line and "⏳ 1 auf der Warteliste" in line, line
    await member.press(f"orgn:{need_id}")
    assert "1 von 1 angemeldet" in member.text


@pytest.mark.parametrize(
    ("sentence", "once"),
    [
        ("Wir brauchen am Samstag 3 Leute für den Flohmarkt, 10-14 Uhr", True),
        ("Wir brauchen samstags 3 Leute für den Flohmarkt, 10-14 Uhr", False),
        ("Wir brauchen jeden Samstag 3 Leute für den Flohmarkt, 10-14 Uhr", False),
    ],
)
async def test_a_weekday_is_one_date_unless_said_to_repeat(
    app: App, sentence: str, once: bool
) -> None:
    member = Conversation(app, identity="test:org")
    await org_member(app, member)
    await member.say(sentence)
    if once:
        assert "Wo?" in member.text, member.text
        await member.say("Burtscheid")
        assert "Sa., 5. Dez., 10:00–14:00" in member.text, member.text  # the coming Saturday
    else:
        assert "Bis wann" in member.text, member.text  # a series asks for its end


async def test_urgency_is_changed_by_name_with_its_answer_or_asked(app: App) -> None:
    member = Conversation(app, identity="test:org")
    await org_member(app, member)
    await member.say("Wir brauchen morgen 3 Leute für die Tafel, 10-14 Uhr")
    await member.say("Aachen-Mitte")
    await member.say("Dringend ändern: ja")
    assert "Dringend: ja" in member.text and "So würde der Bedarf aussehen" in member.text
    await member.say("Dringend: nein")
    assert "Dringend: nein" in member.text
    await member.say("Dringend ändern")  # without an answer it is asked
    assert "f:urgent:yes" in member.payloads()
    await member.say("vielleicht")  # no answer: asked again, nothing changed
    assert "f:urgent:yes" in member.payloads()
    await member.press("f:urgent:yes")
    assert "Dringend: ja" in member.text


async def test_a_seasons_worth_of_needs_pages_on_with_the_open_ones_first(app: App) -> None:
    member = Conversation(app, identity="test:org")
    org_id = await org_member(app, member)
    ids = [await published_need(app, org_id, title=f"Einsatz Nr. {i}") for i in range(14)]
    async with app.db.transaction() as session:  # the oldest has run out
        (await session.get(Need, ids[0])).status = NeedStatus.EXPIRED  # type: ignore[union-attr]

    await member.command("bedarfe")
    first = [p for p in member.payloads() if re.fullmatch(r"orgn:\d+", p)]
    assert len(first) == 10 and f"orgn:{ids[-1]}" == first[0]  # newest first
    assert "orgn:more:10" in member.payloads()
    await member.press("orgn:more:10")
    rest = [p for p in member.payloads() if re.fullmatch(r"orgn:\d+", p)]
    assert f"orgn:{ids[0]}" == rest[-1]  # the expired one last
    assert "11. " in member.text and not set(first) & set(rest)
    listed = {int(p.split(":")[1]) for p in first + rest}
    assert set(ids) <= listed  # every need of the season can be reached
    await member.press("orgn:more:99999")  # an old button: the list from the start
    assert [p for p in member.payloads() if re.fullmatch(r"orgn:\d+", p)] == first


def _ics(content: bytes) -> dict[str, str]:
    lines = content.decode().replace("\r\n ", "").split("\r\n")
    start = lines.index("BEGIN:VEVENT")
    return {
        line.partition(":")[0].split(";")[0]: line.partition(":")[2]
        for line in lines[start + 1 : lines.index("END:VEVENT")]
    }


async def test_a_new_time_is_told_once_with_the_calendar_entry_and_reminders_follow(
    app: App,
) -> None:
    member = Conversation(app, identity="test:org")
    org_id = await org_member(app, member)
    need_id = await published_need(app, org_id, title="Kleiderkammer")  # Fr 10:00–13:00
    volunteer = Conversation(app, identity="test:vol")
    await consent(volunteer)
    await volunteer.press(f"need:{need_id}:signup")
    imported = _ics(next(a for r in volunteer.replies for a in r.attachments).content)
    await volunteer.say("Anna")

    app.clock.set(NOW + timedelta(minutes=30))  # type: ignore[attr-defined]
    await member.press(f"orgn:{need_id}:edit")
    await member.say("Zeit ändern: 14-17")
    await member.press("f:confirm:yes")
    later = NOW + timedelta(minutes=30)  # Aachen reviews changes: nobody is told before
    await moderate(app.db, need_id, approve=True, reason=None, actor="editor", now=later)
    await member.press(f"orgn:{need_id}:edit")
    await member.say("Anzahl ändern: 6")  # not news for the people signed up
    await member.press("f:confirm:yes")
    await moderate(app.db, need_id, approve=True, reason=None, actor="editor", now=later)

    outbox = Outbox()
    await deliver(app, outbox, NOW + timedelta(minutes=31))
    await deliver(app, outbox, NOW + timedelta(minutes=40))
    told = [
        r
        for who, rs in outbox.sent
        if who == volunteer.identity
        for r in rs
        if "Geändert" in r.text
    ]
    assert len(told) == 1, outbox.texts_to(volunteer.identity)
    assert "Fr., 4. Dez., 14:00–17:00" in to_plain(told[0].text), to_plain(told[0].text)
    changed = _ics(told[0].attachments[0].content)
    assert changed["UID"] == imported["UID"]
    assert int(changed["SEQUENCE"]) > int(imported["SEQUENCE"])
    assert changed["DTSTART"] != imported["DTSTART"]

    async with app.db.sessions() as session:
        reminders = (
            await session.execute(
                select(Reminder.kind, Reminder.due_at, Reminder.status).where(
                    Reminder.need_id == need_id, Reminder.kind == "before_24h"
                )
            )
        ).all()
    pending = [due for _, due, status in reminders if status.value == "pending"]
    assert [due.astimezone(BERLIN).strftime("%d. %H:%M") for due in pending] == ["03. 14:00"]

    # It no longer fits: the place is freed, as with "Ich kann nicht".
    await volunteer.press(next(b.payload for b in told[0].buttons if b.payload.endswith(":no")))
    async with app.db.sessions() as session:
        status = await session.scalar(
            select(Engagement.status).where(Engagement.need_id == need_id)
        )
    assert status is not None and status.value == "withdrawn"


# -- reopening a need closed early --------------------------------------------------------


async def test_a_need_closed_early_reopens_but_not_once_its_date_is_over(app: App) -> None:
    member = Conversation(app, identity="test:org")
    org_id = await org_member(app, member)
    need_id = await published_need(app, org_id, title="Adventsbasar", helpers=3)  # Fr 10–13
    await member.press(f"orgn:{need_id}")
    assert f"orgn:{need_id}:reopen" not in member.payloads()  # open: nothing to reopen
    await member.press(f"orgn:{need_id}:close")
    await member.press(f"orgn:{need_id}:close:yes")

    await member.press(f"orgn:{need_id}")
    assert "geschlossen" in member.text
    await member.press("Wieder öffnen")
    assert "„Adventsbasar“ nimmt wieder Anmeldungen an." in member.text
    assert "dringend" not in member.text.casefold()
    assert (await need_row(app, need_id)).status.value == "published"
    volunteer = Conversation(app, identity="test:vol")
    await consent(volunteer)
    await sign_up(volunteer, need_id)
    async with app.db.sessions() as session:
        engagement = await session.scalar(select(Engagement).where(Engagement.need_id == need_id))
    assert engagement is not None and not engagement.waitlisted  # a place, not the waitlist

    await member.press(f"orgn:{need_id}:close:yes")
    app.clock.set(NOW + timedelta(days=4))  # type: ignore[attr-defined]  # Saturday: it is over
    await member.press(f"orgn:{need_id}")
    assert f"orgn:{need_id}:reopen" not in member.payloads()
    await member.press(f"orgn:{need_id}:reopen")  # an old button
    assert "ist vorbei" in member.text
    assert (await need_row(app, need_id)).status.value == "filled"


async def test_a_full_need_is_not_reopened_but_the_number_can_be_raised(app: App) -> None:
    member = Conversation(app, identity="test:org")
    org_id = await org_member(app, member)
    need_id = await published_need(app, org_id, title="Ein Platz", helpers=1)
    volunteer = Conversation(app, identity="test:vol")
    await consent(volunteer)
    await sign_up(volunteer, need_id)
    assert (await need_row(app, need_id)).status.value == "filled"

    await member.press(f"orgn:{need_id}")
    assert f"orgn:{need_id}:reopen" not in member.payloads()
    await member.press(f"orgn:{need_id}:reopen")
    assert "alle Plätze besetzt" in member.text and "Anzahl ändern" in member.text
    assert f"orgn:{need_id}:edit" in member.payloads()
    assert (await need_row(app, need_id)).status.value == "filled"


async def test_a_reopened_urgent_need_asks_people_again_in_a_new_round(app: App) -> None:
    member = Conversation(app, identity="test:org")
    org_id = await org_member(app, member)
    await member.say("Wir brauchen dringend morgen 4 Helfer für die Tafel, 10-14 Uhr")
    await member.say("Aachen-Mitte")
    await member.press("f:confirm:yes")
    need = await latest_need(app, org_id)
    await member.press(f"orgn:{need.id}:close:yes")
    await member.press(f"orgn:{need.id}:reopen")  # its first wave has not run yet: no second
    assert "nimmt wieder Anmeldungen an" in member.text and "noch einmal" not in member.text

    outbox = Outbox()
    await deliver(app, outbox, NOW + timedelta(minutes=1))  # the first wave runs
    await member.press(f"orgn:{need.id}:close:yes")
    await deliver(app, outbox, NOW + timedelta(minutes=30))  # closed: no next wave
    app.clock.set(NOW + timedelta(hours=1))  # type: ignore[attr-defined]
    await member.press(f"orgn:{need.id}:reopen")
    assert "frage passende Leute in der Nähe noch einmal" in member.text
    async with app.db.sessions() as session:
        waves = (
            await session.execute(
                select(Reminder.status, Reminder.data).where(
                    Reminder.need_id == need.id, Reminder.kind == "alert_wave"
                )
            )
        ).all()
    pending = [data for status, data in waves if status.value == "pending"]
    assert len(pending) == 1 and str(pending[0]["round"]).startswith("reopened-"), waves


# -- extending -------------------------------------------------------------------------------


async def test_only_a_series_with_an_end_date_is_extended(app: App) -> None:
    """Walked: "⏩ Um 4 Wochen verlängern" on a series without an end gave it one."""
    member = Conversation(app, identity="test:org")
    org_id = await org_member(app, member)
    weekly = Weekly(("sa",), datetime(2026, 1, 1, 10).time(), datetime(2026, 1, 1, 12).time())
    need_id = await published_need(app, org_id, title="Offene Reihe", weekly=weekly)

    await member.press(f"orgn:{need_id}")
    assert f"orgn:{need_id}:extend" not in member.payloads()
    await member.press(f"orgn:{need_id}:extend")  # an old button
    assert "geht bei diesem Bedarf gerade nicht" in member.text
    assert (await need_row(app, need_id)).valid_until is None


async def test_extending_takes_a_waiting_change_along_unless_it_sets_another_end(
    app: App,
) -> None:
    member = Conversation(app, identity="test:org")
    org_id = await org_member(app, member)
    weekly = Weekly(("sa",), datetime(2026, 1, 1, 10).time(), datetime(2026, 1, 1, 12).time())
    until = datetime(2026, 12, 11, 23, 0, tzinfo=UTC)  # the end of 11 Dec in Aachen, as forms say
    need_id = await published_need(
        app, org_id, title="Samstagsausgabe", weekly=weekly, valid_until=until
    )
    await member.press(f"orgn:{need_id}:edit")
    await member.say("Anzahl ändern: 6")
    await member.press("f:confirm:yes")  # waits for the editors

    await member.press(f"orgn:{need_id}")
    await member.press(f"orgn:{need_id}:extend")
    assert "läuft jetzt bis" in member.text and "wartende Änderung läuft mit" in member.text
    await moderate(app.db, need_id, approve=True, reason=None, actor="editor", now=NOW)
    need = await need_row(app, need_id)
    assert need.helpers_wanted == 6
    assert need.valid_until is not None
    assert as_utc(need.valid_until) == until + timedelta(weeks=4)  # approval kept it

    await member.press(f"orgn:{need_id}:edit")
    await member.say("Enddatum ändern: 30.6.2027")
    await member.press("f:confirm:yes")  # a new end date: the editors' again
    await member.press(f"orgn:{need_id}:extend")
    assert "anderen Enddatum auf die Redaktion" in member.text, member.text
    assert f"orgn:{need_id}:edit" in member.payloads()
    need = await need_row(app, need_id)
    assert as_utc(need.valid_until) == until + timedelta(weeks=4)  # type: ignore[arg-type]
    assert need.pending_change is not None
    assert need.pending_change["valid_until"].startswith("2027-06-30")


@pytest.mark.parametrize(
    ("sentence", "shown", "end"),
    [
        (
            "Wir brauchen jeden Samstag 3 Leute für den Flohmarkt, 10-14 Uhr, bis Ende März",
            "bis 31. März",
            datetime(2027, 3, 31, 22, 0, tzinfo=UTC),
        ),
        (
            "Wir suchen samstags 3 Leute für den Flohmarkt von 10 bis 14 Uhr, bis zum Jahresende",
            "bis 31. Dezember",
            datetime(2026, 12, 31, 23, 0, tzinfo=UTC),
        ),
    ],
)
async def test_a_series_posted_with_its_end_in_the_sentence_is_not_asked_for_it(
    app: App, sentence: str, shown: str, end: datetime
) -> None:
    """Walked: "…, bis Ende März" was asked again with "Bis wann läuft das?"."""
    member = Conversation(app, identity="test:org")
    org_id = await org_member(app, member)
    await member.say(sentence)
    assert "Bis wann" not in member.text and "Wo?" in member.text, member.text
    await member.say("Burtscheid")
    assert f"jede Woche Sa, 10:00–14:00 Uhr · {shown}" in member.text, member.text
    await member.press("f:confirm:yes")
    need = await latest_need(app, org_id)
    assert need.valid_until is not None and as_utc(need.valid_until) == end


# -- typed actions at a need's detail ------------------------------------------------------


async def test_the_actions_of_a_need_can_be_typed_as_well_as_pressed(app: App) -> None:
    """Walked: "schließen" at a need's detail was searched for as a topic."""
    member = Conversation(app, identity="test:org")
    org_id = await org_member(app, member)
    weekly = Weekly(("sa",), datetime(2026, 1, 1, 10).time(), datetime(2026, 1, 1, 12).time())
    until = datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
    need_id = await published_need(
        app, org_id, title="Samstagsausgabe", weekly=weekly, valid_until=until
    )

    await member.press(f"orgn:{need_id}")
    await member.say("verlängern")
    assert "läuft jetzt bis" in member.text
    await member.press(f"orgn:{need_id}")
    await member.say("Schließen bitte")
    assert "vorzeitig schließen?" in member.text
    await member.say("Ja, schließen")
    assert (await need_row(app, need_id)).status.value == "filled"
    await member.press(f"orgn:{need_id}")
    await member.say("wieder öffnen")
    assert "nimmt wieder Anmeldungen an" in member.text
    await member.press(f"orgn:{need_id}")
    await member.say("ändern")
    assert "So würde der geänderte Bedarf aussehen" in member.text
    await member.say("abbrechen")
    await member.press(f"orgn:{need_id}")
    await member.say("absagen")
    assert "wirklich absagen?" in member.text
    assert (await need_row(app, need_id)).status.value == "published"

    # Away from the detail the same word is no action on a need.
    await member.command("menu")
    await member.say("schließen")
    assert (await need_row(app, need_id)).status.value == "published"
    assert "vorzeitig schließen?" not in member.text


async def test_cancelling_a_need_nobody_signed_up_for_tells_of_nobody(app: App) -> None:
    """Walked: "Alle Angemeldeten bekommen eine Nachricht" with nobody signed up."""
    member = Conversation(app, identity="test:org")
    org_id = await org_member(app, member)
    need_id = await published_need(app, org_id, title="Ohne Anmeldungen")

    await member.press(f"orgn:{need_id}")
    await member.press(f"orgn:{need_id}:cancel")
    assert "Angemeldet ist noch niemand" in member.text
    assert "Nachricht" not in member.text
    await member.press(f"orgn:{need_id}:cancel:yes")
    assert member.text.split("\n")[0] == "„Ohne Anmeldungen“ ist abgesagt."
    assert "Nachricht" not in member.text
    assert (await need_row(app, need_id)).status.value == "cancelled"


async def test_a_field_changed_by_name_at_a_needs_detail_opens_it_changed(app: App) -> None:
    """Walked: "Ort ändern: Haaren" at a need's detail started the volunteer's
    onboarding ("Wofür schlägt dein Herz?"); "ja" to "vorzeitig schließen?"
    opened the menu."""
    member = Conversation(app, identity="test:org")
    org_id = await org_member(app, member)
    need_id = await published_need(app, org_id, title="Kleiderkammer sortieren")

    await member.press(f"orgn:{need_id}")
    await member.say("Ort ändern: Haaren")
    assert member.text.count("So würde der geänderte Bedarf aussehen") == 1, member.text
    assert "📍 Haaren" in member.text and "Herz" not in member.text
    await member.press("f:confirm:yes")
    assert "Gespeichert" in member.text
    need = await need_row(app, need_id)
    assert need.pending_change is not None and need.pending_change["place_label"] == "Haaren"

    await member.press(f"orgn:{need_id}")
    await member.say("Danke dir")  # no field named: no form opened
    assert (await member.state()).flow is None
    await member.press(f"orgn:{need_id}")
    await member.say("schließen")
    await member.say("ja")
    assert "nimmt keine neuen Anmeldungen mehr an" in member.text
    assert (await need_row(app, need_id)).status.value == "filled"


async def test_a_need_closed_early_takes_nobody_until_reopened_then_the_waitlist_moves_up(
    app: App,
) -> None:
    """Walked: a need closed early with free places still gave a place to
    whoever opened it, and a withdrawal opened it again."""
    member = Conversation(app, identity="test:org")
    org_id = await org_member(app, member)
    need_id = await published_need(app, org_id, title="Laternenumzug", helpers=3)
    anna, ben = Conversation(app, identity="test:anna"), Conversation(app, identity="test:ben")
    for conv in (anna, ben):
        await consent(conv)
    await sign_up(anna, need_id, "Anna")
    await member.press(f"orgn:{need_id}:close:yes")

    await ben.press(f"need:{need_id}")
    assert f"need:{need_id}:signup" in ben.payloads() and "Warteliste" in ben.text, ben.text
    await ben.press(f"need:{need_id}:signup")
    await ben.say("Ben")
    async with app.db.sessions() as session:
        waiting = await session.scalar(
            select(Engagement.waitlisted).where(
                Engagement.need_id == need_id, Engagement.person_id != None  # noqa: E711
            ).order_by(Engagement.id.desc()).limit(1)
        )  # fmt: skip
    assert waiting is True  # closed: the waitlist only

    await anna.command("termine")
    engagement = next(p for p in anna.payloads() if p.startswith("eng:"))
    await anna.press(engagement)
    await anna.press(engagement + ":yes")  # Anna withdraws: still closed, Ben still waits
    assert (await need_row(app, need_id)).status.value == "filled"

    await member.press(f"orgn:{need_id}")
    await member.press(f"orgn:{need_id}:reopen")
    assert "nimmt wieder Anmeldungen an" in member.text
    async with app.db.sessions() as session:
        rows = (
            await session.execute(
                select(Engagement.waitlisted, Engagement.status).where(
                    Engagement.need_id == need_id
                )
            )
        ).all()
    assert [(w, s.value) for w, s in rows if s.value in ("interested", "accepted")] == [
        (False, "interested")
    ]  # Ben moved up
    outbox = Outbox()
    await deliver(app, outbox, NOW + timedelta(minutes=5))
    assert len([t for t in outbox.about(ben.identity, "Laternenumzug") if "Platz" in t]) == 1, (
        outbox.texts_to(ben.identity)
    )
