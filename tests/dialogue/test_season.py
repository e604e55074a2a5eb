"""Issue 14, done when: a club runs a whole season of needs from its chat and
a volunteer comes away with a certificate of their hours.

Petra runs the Aachener Tafel's needs from her chat only: she joins with the
invite link from the web, posts a weekly need with an end date and a one-off
need, moves one by name ("Ort ändern: Haaren"), the Redaktion approves, she
makes the one-off urgent (the alert goes out), lists "Meine Bedarfe" with
their sign-ups, hears of each sign-up, extends the weekly need, cancels the
one-off (each person signed up is told once) and closes the weekly need
after four Wednesdays. Anna answers the alert, signs up for the Wednesdays,
logs her hours after each (buttons, "2,5 Stunden", "von 9 bis 12"), Petra
confirms them in her chat, and Anna's "Mein Nachweis" is a PDF whose code
the municipality's page accepts.
"""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pypdf
import pytest
from sqlalchemy import select

from bots.bootstrap import App
from bots.web import create_app, mail_sender
from core.models import Organisation
from core.reminders.housekeeping import plan_recurring
from core.services.org_invites import create_invite
from tests.bots.web.conftest import Web, web_config
from tests.bots.web.helpers import log_in_editor
from tests.conftest import NOW
from tests.dialogue.harness import Conversation
from tests.dialogue.test_org_needs import Outbox, deliver

BERLIN = ZoneInfo("Europe/Berlin")
ORG = "Aachener Tafel (Demo) e.V."
WEDNESDAYS = [date(2026, 12, 2), date(2026, 12, 9), date(2026, 12, 16), date(2026, 12, 23)]


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), BERLIN)


@pytest.fixture
async def web(app: App, tmp_path: Path) -> AsyncIterator[Web]:
    """The municipality's web app on the same App: the Redaktion and the
    certificate check."""
    config = web_config(tmp_path)
    asgi = create_app(app, config)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=asgi), base_url="http://testserver"
    ) as client:
        yield Web(app, asgi, client, config.outbox_dir, app.clock, mail_sender(app, config))  # type: ignore[arg-type]


async def at(app: App, outbox: Outbox, when: datetime) -> None:
    """The clock moves on and the scheduler delivers what is due."""
    await plan_recurring(app.db, when)
    await deliver(app, outbox, when)


def need_id(conv: Conversation, title: str) -> int:
    """The need of "Meine Bedarfe" whose numbered line names ``title``."""
    ids = [int(p.split(":")[1]) for p in conv.payloads() if re.fullmatch(r"orgn:\d+", p)]
    numbered = [line for line in conv.text.split("\n") if re.match(r"\d+\.", line)]
    (found,) = [i for i, line in zip(ids, numbered, strict=False) if title in line]
    return found


def line_of(conv: Conversation, title: str) -> str:
    return next(line for line in conv.text.split("\n") if title in line)


def pressed_button(outbox: Outbox, identity: str, text_part: str, label: str) -> str:
    """The payload of a button on the last notice to ``identity`` saying ``text_part``."""
    for who, replies in reversed(outbox.sent):
        for reply in replies:
            if who == identity and text_part in reply.text:
                return next(b.payload for b in reply.buttons if label in b.label)
    raise AssertionError(outbox.texts_to(identity))


async def test_a_season_of_needs_from_the_chat_ends_in_a_certificate(app: App, web: Web) -> None:
    app.clock.set(NOW)  # type: ignore[attr-defined]
    outbox = Outbox()
    petra = Conversation(app, identity="test:petra")
    anna = Conversation(app, identity="test:anna")
    ben = Conversation(app, identity="test:ben")

    # -- Petra joins with the invite link the Tafel made on the web ------------------
    async with app.db.sessions() as session:
        org_id = await session.scalar(select(Organisation.id).where(Organisation.name == ORG))
    assert org_id is not None
    invite = await create_invite(app.db, org_id, account_id=None, now=NOW)
    await petra.command("start")
    await petra.press("f:consent:yes")
    await petra.command("start", f"org_{invite.code}")
    assert ORG in petra.text and "menu:post" in petra.payloads(), petra.text

    # -- a weekly need with an end date, by sentence ------------------------------------
    await petra.say("Wir suchen jeden Mittwoch 2 Leute für die Tafel, 9-12 Uhr")
    assert "Bis wann" in petra.text, petra.text
    await petra.say("31.1.2027")
    assert "Wo?" in petra.text, petra.text
    await petra.say("Burtscheid")
    assert "So würde der Bedarf aussehen" in petra.text, petra.text
    assert "Mi, 09:00–12:00 Uhr · bis 31. Januar" in petra.text, petra.text
    assert "📍 Burtscheid" in petra.text
    await petra.say("Ort ändern: Haaren")
    assert "📍 Haaren" in petra.text and "So würde der Bedarf aussehen" in petra.text
    await petra.say("Beschreibung: Lebensmittel sortieren und ausgeben")
    await petra.press("f:confirm:yes")
    assert "Redaktion" in petra.text, petra.text

    # -- a one-off need ------------------------------------------------------------------
    await petra.say("Wir brauchen am Samstag 3 Leute für den Weihnachtsmarkt, 14-18 Uhr")
    assert "Wo?" in petra.text, petra.text
    await petra.say("Aachen-Mitte")
    assert "Sa., 5. Dez., 14:00–18:00" in petra.text, petra.text
    assert "3 Helfende" in petra.text and "Dringend: nein" in petra.text
    await petra.press("f:confirm:yes")
    assert "Redaktion" in petra.text

    # -- Meine Bedarfe: both wait for the Redaktion --------------------------------------
    await petra.say("Meine Bedarfe")
    assert "Weihnachtsmarkt" in petra.text and "Tafel" in petra.text, petra.text
    market = need_id(petra, "Weihnachtsmarkt")
    weekly = need_id(petra, "Unterstützung für die Tafel")
    assert "bei der Redaktion" in line_of(petra, "Weihnachtsmarkt"), petra.text
    assert "bis 31. Januar" in line_of(petra, "Unterstützung für die Tafel"), petra.text

    # The Redaktion approves both on the web.
    editor = await log_in_editor(web)
    for approved in (weekly, market):
        queue = await editor.get("/t/aachen/editor/")
        csrf = re.search(r'name="csrf" value="([^"]+)"', queue.text)
        assert csrf is not None
        answer = await editor.post(
            f"/t/aachen/editor/needs/{approved}/approve", data={"csrf": csrf.group(1)}
        )
        assert answer.status_code == 303, answer.text
    await editor.aclose()

    # -- Anna: a volunteer nearby who takes urgent requests -----------------------------
    await anna.command("start")
    await anna.press("f:consent:yes")
    await anna.press("f:interests:soziales")
    await anna.press("f:interests:veranstaltungen")
    await anna.press("f:interests:done")
    await anna.say("Burtscheid")
    await anna.press("f:radius:10")
    await anna.press("f:availability:weekend")
    await anna.press("f:availability:done")
    await anna.press("f:qualifications:done")
    await anna.press("f:alerts:yes")
    assert "Eilige Anfragen: ja" in anna.text, anna.text

    # -- Petra makes the one-off urgent: its alert goes out at once ----------------------
    await petra.press(f"orgn:{market}")
    assert "Dringend: nein" in petra.text
    await petra.press(f"orgn:{market}:edit")
    await petra.say("Dringend ändern: ja")
    assert "Dringend: ja" in petra.text, petra.text
    await petra.press("f:confirm:yes")
    assert "dringend" in petra.text.casefold(), petra.text  # no waiting for the editors
    await at(app, outbox, NOW + timedelta(minutes=1))
    alert = pressed_button(outbox, anna.identity, "Weihnachtsmarkt", "Ja, ich kann")
    assert alert == f"alert:{market}:yes", outbox.texts_to(anna.identity)

    # Anna says yes to the alert and gives the name organisations see.
    await anna.press(alert)
    assert "Unter welchem Namen" in anna.text, anna.text
    (ics,) = [a for r in anna.replies for a in r.attachments]  # the date in her calendar
    assert ics.filename == f"ehrenamt-{market}.ics" and b"Weihnachtsmarkt" in ics.content
    await anna.say("Anna")
    await ben.command("start")
    await ben.press("f:consent:yes")
    await ben.press(f"need:{market}:signup")
    await ben.press("f:name:skip")

    # Petra hears of both sign-ups through the outbox, once each.
    await at(app, outbox, NOW + timedelta(minutes=5))
    await at(app, outbox, NOW + timedelta(minutes=10))
    assert outbox.about(petra.identity, "Weihnachtsmarkt") == [
        "🙋 Anna hat sich für Unterstützung für den Weihnachtsmarkt angemeldet.",
        "🙋 Eine freiwillige Person hat sich für Unterstützung für den Weihnachtsmarkt angemeldet.",
    ], outbox.texts_to(petra.identity)

    # Anna signs up for the Wednesdays from the need itself.
    await anna.press(f"need:{weekly}")
    await anna.press(f"need:{weekly}:signup")
    assert "dabei" in anna.text and "Unter welchem Namen" not in anna.text, anna.text
    await at(app, outbox, NOW + timedelta(minutes=15))
    assert len(outbox.about(petra.identity, "Anna hat sich für Unterstützung für die Tafel")) == 1

    # -- Meine Bedarfe counts the sign-ups -------------------------------------------------
    await petra.say("Meine Bedarfe")
    assert "👥 2/3" in line_of(petra, "Weihnachtsmarkt"), petra.text
    assert "👥 1/2" in line_of(petra, "Tafel"), petra.text

    # Extended by four weeks.
    await petra.press(f"orgn:{weekly}")
    await petra.press(f"orgn:{weekly}:extend")
    assert "läuft jetzt bis" in petra.text and "28. Februar" in petra.text, petra.text

    # -- the market is cancelled: Anna and Ben are told once each -------------------------
    app.clock.set(NOW + timedelta(hours=1))  # type: ignore[attr-defined]
    await petra.press(f"orgn:{market}")
    await petra.press(f"orgn:{market}:cancel")
    await petra.press(f"orgn:{market}:cancel:yes")
    assert "abgesagt" in petra.text and "2" in petra.text, petra.text
    await at(app, outbox, NOW + timedelta(hours=1, minutes=1))
    await at(app, outbox, NOW + timedelta(hours=2))
    for volunteer in (anna, ben):
        told = [t for t in outbox.texts_to(volunteer.identity) if "abgesagt" in t]
        assert len(told) == 1 and "Weihnachtsmarkt" in told[0], outbox.texts_to(volunteer.identity)

    # -- four Wednesdays, four entries -----------------------------------------------------
    def follow_up_buttons() -> list[tuple[str, str]]:
        for who, replies in reversed(outbox.sent):
            if who == anna.identity and "Wie war's" in replies[0].text:
                return [(b.label, b.payload) for b in replies[0].buttons]
        raise AssertionError(outbox.texts_to(anna.identity))

    await at(app, outbox, local(WEDNESDAYS[0], 14, 5))
    button = next(p for label, p in follow_up_buttons() if label == "3 Std.")
    await anna.press(button)
    assert "3 Stunden am 2. Dezember" in anna.text, anna.text

    await at(app, outbox, local(WEDNESDAYS[1], 14, 5))
    await anna.say("2,5 Stunden")
    assert "2,5 Stunden am 9. Dezember" in anna.text, anna.text

    await at(app, outbox, local(WEDNESDAYS[2], 14, 5))
    await anna.say("von 9 bis 12")
    assert "3 Stunden am 16. Dezember" in anna.text, anna.text

    await at(app, outbox, local(WEDNESDAYS[3], 14, 5))
    more = next(p for _, p in follow_up_buttons() if p.endswith(":ask"))
    await anna.press(more)
    await anna.say("2")
    assert "2 Stunden am 23. Dezember" in anna.text, anna.text
    assert "insgesamt 10,5" in anna.text, anna.text

    # -- Petra confirms them from her chat ----------------------------------------------------
    await at(app, outbox, local(WEDNESDAYS[3], 14, 10))
    notices = [
        (who, reply)
        for who, replies in outbox.sent
        if who == petra.identity
        for reply in replies
        if "eingetragen" in reply.text
    ]
    assert len(notices) == 4, outbox.texts_to(petra.identity)
    for _, notice in notices:
        await petra.press(next(b.payload for b in notice.buttons if "Bestätigen" in b.label))
        assert "Bestätigt: Anna" in petra.text, petra.text

    # ... and closes the Wednesdays early: no new sign-ups.
    await petra.say("Meine Bedarfe")
    await petra.press(f"orgn:{weekly}")
    await petra.press(f"orgn:{weekly}:close")
    assert "keine neuen Anmeldungen" in petra.text, petra.text

    # -- Anna's certificate ------------------------------------------------------------------
    await anna.say("Mein Nachweis")
    assert "Welcher Name" in anna.text, anna.text
    await anna.say("Anna Beispiel")
    (pdf,) = anna.last.attachments
    assert pdf.mime_type == "application/pdf"
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    for stated in (
        "Ehrenamtsnachweis",
        "Anna Beispiel",
        ORG,
        "Unterstützung für die Tafel",
        "02.12.2026",
        "23.12.2026",
        "Insgesamt 10,5 Stunden",
    ):
        assert stated in text, (stated, text)
    code = re.search(r"Prüfcode: (\S+)", text)
    assert code is not None, text
    page = await web.client.get(f"/t/aachen/nachweis/{code.group(1)}")
    assert page.status_code == 200
    for stated in ("Anna Beispiel", ORG, "10,5"):
        assert stated in page.text, stated
