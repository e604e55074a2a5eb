"""The console as a person at a terminal sees it, with a small scripted engine:
numbered buttons, a number or a label presses one, /location shares a place,
attachments land on disk, /quit and Ctrl-D say goodbye."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from bots.console import (
    TEXTS_FILE,
    ConsoleSession,
    ConsoleTexts,
    Notice,
    Quit,
    load_texts,
    parse_location,
    render_replies,
    run_interactive,
)
from core.tenants import TenantConfig
from dialogue.choices import press
from dialogue.messages import Attachment, Button, Incoming, Location, Reply
from dialogue.ports import ConversationEngine
from tests.fakes import ScriptedEngine

INTERESTS = Reply(
    "Wofür <b>interessierst</b> du dich?",
    buttons=(Button("🌳 Umwelt", "cat:umwelt"), Button("👧 Kinder & Jugend", "cat:kinder_jugend")),
)
WHERE = Reply("Wo bist du unterwegs?", request_location=True)
SIGNED_UP = Reply(
    "Du bist dabei!",
    attachments=(Attachment("Tafel Aachen.ics", "text/calendar", b"BEGIN:VCALENDAR"),),
)


@pytest.fixture
def texts(tenants: dict[str, TenantConfig]) -> ConsoleTexts:
    return load_texts(tenants["aachen"], "de")


def session_with(engine: ConversationEngine, texts: ConsoleTexts, tmp_path: Path) -> ConsoleSession:
    return ConsoleSession(
        engine=engine,
        tenant="aachen",
        identity="console:heinrich",
        texts=texts,
        attachments_dir=tmp_path / "attachments",
    )


def test_the_last_offer_of_a_turn_is_numbered(texts: ConsoleTexts) -> None:
    """A number means one of the last reply's buttons (``dialogue.choices``,
    as the engine keeps them): an earlier reply's buttons are bulleted."""
    second = Reply("Oder:", buttons=(Button("Hilfe", "help"),))
    rendered = render_replies([INTERESTS, second], texts)
    assert rendered.text == (
        "Wofür interessierst du dich?\n  • 🌳 Umwelt\n  • 👧 Kinder & Jugend\n\nOder:\n  1) Hilfe"
    )
    assert [b.payload for b in rendered.offered] == ["help"]


RADIUS = Reply(
    "Wie weit darf es sein?",
    buttons=(
        *(Button(f"{km} km", f"f:radius:{km}") for km in (2, 5, 10, 25)),
        Button("Zurück", "nav:back"),
        Button("Abbrechen", "nav:cancel"),
    ),
)


def test_labels_with_their_own_numbers_are_bulleted(texts: ConsoleTexts) -> None:
    """At the radius prompt "5" means 5 km, so no "5)" may stand before "Zurück"."""
    rendered = render_replies([RADIUS], texts)
    assert rendered.text == (
        "Wie weit darf es sein?\n  • 2 km\n  • 5 km\n  • 10 km\n  • 25 km\n"
        "  • Zurück\n  • Abbrechen"
    )


def test_location_request_tells_how_to_share_one(texts: ConsoleTexts) -> None:
    rendered = render_replies([WHERE], texts)
    assert "/location" in rendered.text


def test_links_render_with_their_address(texts: ConsoleTexts) -> None:
    reply = Reply('Mehr im <a href="https://example.org/ds">Datenschutzhinweis</a> &amp; so')
    text = render_replies([reply], texts).text
    assert text == "Mehr im Datenschutzhinweis (https://example.org/ds) & so"


@pytest.mark.parametrize(
    ("typed", "payload"),
    [
        ("1", "cat:umwelt"),
        ("2.", "cat:kinder_jugend"),
        ("(2)", "cat:kinder_jugend"),
        ("umwelt", "cat:umwelt"),
        ("  Kinder &  Jugend ", "cat:kinder_jugend"),
        ("🌳 Umwelt", "cat:umwelt"),
        ("3", None),
        ("0", None),
        ("Umweltschutz", None),
    ],
)
def test_number_or_label_presses_an_offered_button(typed: str, payload: str | None) -> None:
    assert press(typed, INTERESTS.buttons) == payload


def test_nothing_is_pressed_when_nothing_was_offered() -> None:
    assert press("1", ()) is None


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("50.7753 6.0839", Location(50.7753, 6.0839)),
        ("50.7753, 6.0839", Location(50.7753, 6.0839)),
        ("-33.9 151.2", Location(-33.9, 151.2)),
        ("91 6", None),
        ("50.7", None),
        ("Aachen Dom", None),
        ("nan 6", None),
    ],
)
def test_location_command_arguments(args: str, expected: Location | None) -> None:
    assert parse_location(args) == expected


async def test_five_at_the_radius_prompt_is_five_km(
    texts: ConsoleTexts, tmp_path: Path, scripted: Any
) -> None:
    session = session_with(scripted([[RADIUS]]), texts, tmp_path)
    await session.turn(session.translate("52062"))  # type: ignore[arg-type]
    five = session.translate("5")
    assert isinstance(five, Incoming) and five.button == "f:radius:5"
    back = session.translate("zurück")
    assert isinstance(back, Incoming) and back.button == "nav:back"
    seven = session.translate("7")  # no button: the radius slot reads it as 7 km
    assert isinstance(seven, Incoming) and seven.text == "7"


async def test_typed_number_after_buttons_reaches_the_engine_as_a_press(
    texts: ConsoleTexts, tmp_path: Path, scripted: Any
) -> None:
    engine = scripted([[INTERESTS], [Reply("Prima.")]])
    session = session_with(engine, texts, tmp_path)
    await session.turn(session.translate("hallo"))  # type: ignore[arg-type]
    press = session.translate("1")
    assert isinstance(press, Incoming)
    assert press.button == "cat:umwelt"
    assert press.identity == "console:heinrich" and press.tenant == "aachen"
    await session.turn(press)
    # The last turn offered nothing: a number is plain text again.
    again = session.translate("1")
    assert isinstance(again, Incoming) and again.text == "1"


def test_slash_words_are_commands_with_arguments(
    texts: ConsoleTexts, tmp_path: Path, scripted: Any
) -> None:
    session = session_with(scripted([]), texts, tmp_path)
    start = session.translate("/start need_42")
    assert isinstance(start, Incoming)
    assert (start.command, start.args) == ("start", "need_42")
    hilfe = session.translate("/Hilfe")
    assert isinstance(hilfe, Incoming) and hilfe.command == "hilfe"
    where = session.translate("/location 50.77 6.08")
    assert isinstance(where, Incoming) and where.location == Location(50.77, 6.08)
    assert isinstance(session.translate("/quit"), Quit)
    assert session.translate("   ") is None
    wrong = session.translate("/location Aachen")
    assert isinstance(wrong, Notice) and "/location" in wrong.text


async def test_attachments_are_saved_and_their_path_shown(
    texts: ConsoleTexts, tmp_path: Path, scripted: Any
) -> None:
    engine = scripted([[SIGNED_UP], [SIGNED_UP]])
    session = session_with(engine, texts, tmp_path)
    first = await session.turn(session.translate("anmelden"))  # type: ignore[arg-type]
    second = await session.turn(session.translate("nochmal"))  # type: ignore[arg-type]
    saved = sorted((tmp_path / "attachments").iterdir())
    assert [p.name for p in saved] == ["Tafel_Aachen-2.ics", "Tafel_Aachen.ics"]
    assert saved[1].read_bytes() == b"BEGIN:VCALENDAR"
    assert str(saved[1]) in first and str(saved[0]) in second


async def test_a_failing_engine_gets_an_apology_not_a_traceback(
    texts: ConsoleTexts, tmp_path: Path, allow_logged_errors: None
) -> None:
    session = ConsoleSession(
        engine=ScriptedEngine(error=RuntimeError("boom")),
        tenant="aachen",
        identity="console:x",
        texts=texts,
        attachments_dir=tmp_path,
    )
    output = await session.turn(session.translate("hallo"))  # type: ignore[arg-type]
    assert output == texts.get("error")


async def _conversation(lines: Sequence[str | None], session: ConsoleSession) -> str:
    pending = list(lines)
    written: list[str] = []

    async def read_line() -> str | None:
        return pending.pop(0) if pending else None

    code = await run_interactive(session, read_line=read_line, write=written.append, banner="Hi")
    assert code == 0
    return "".join(written)


async def test_a_terminal_conversation_ends_politely_on_quit(
    texts: ConsoleTexts, tmp_path: Path, scripted: Any
) -> None:
    engine = scripted([[INTERESTS], [WHERE], [Reply("Danke!")]])
    session = session_with(engine, texts, tmp_path)
    output = await _conversation(
        ["hallo", "Umwelt", "/location", "/location 50.77 6.08", "/quit", "nie gelesen"], session
    )
    assert [e.button or e.text or e.location for e in engine.received] == [
        "hallo",
        "cat:umwelt",
        Location(50.77, 6.08),
    ]
    assert "  1) 🌳 Umwelt" in output
    assert texts.get("location_usage") in output
    assert output.rstrip().endswith(texts.get("goodbye"))


async def test_ctrl_d_ends_politely(texts: ConsoleTexts, tmp_path: Path, scripted: Any) -> None:
    session = session_with(scripted([]), texts, tmp_path)
    output = await _conversation([None], session)
    assert texts.get("goodbye") in output


def test_every_console_text_exists_in_german_and_english(
    tenants: dict[str, TenantConfig],
) -> None:
    raw = yaml.safe_load(TEXTS_FILE.read_text(encoding="utf-8"))
    assert set(raw["en"]) == set(raw["de"])
    english = load_texts(tenants["aachen"], "en")
    assert english.language == "en"
    assert english.get("goodbye") == raw["en"]["goodbye"]
