"""The scripted console contract, in process with a scripted engine: what a
program writes in, what it reads back, and that a bad line never stops it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bots.console import ConsoleClock, JsonlError, parse_jsonl_line, run_jsonl
from dialogue.messages import Attachment, Button, Incoming, Location, Reply


async def drive(engine: Any, lines: list[str], clock: ConsoleClock | None = None) -> list[Any]:
    """Feed lines to the scripted console; every JSON line it printed, parsed."""
    pending = [line.encode("utf-8") + b"\n" for line in lines]
    out: list[str] = []
    flushes: list[int] = []

    async def read_line() -> bytes | None:
        return pending.pop(0) if pending else None

    code = await run_jsonl(
        engine,
        tenant="aachen",
        identity="console:luisa",
        clock=clock or ConsoleClock(),
        read_line=read_line,
        write=out.append,
        flush=lambda: flushes.append(len(out)),
    )
    assert code == 0
    text = "".join(out)
    assert text.endswith("\n") or not text
    # Flushed after every turn, right after its end_of_turn.
    assert len(flushes) == text.count('"end_of_turn"')
    return [json.loads(line) for line in text.splitlines()]


async def test_each_reply_is_one_line_then_end_of_turn(scripted: Any) -> None:
    card = Reply(
        "<b>Tafel</b> &amp; mehr",
        buttons=(Button("Details", "need:7:detail"),),
        attachments=(Attachment("termin.ics", "text/calendar", b"BEGIN:VCALENDAR\r\n"),),
    )
    engine = scripted([[Reply("Hallo!", request_location=True), card]])
    assert await drive(engine, ['{"command": "start"}']) == [
        {"text": "Hallo!", "buttons": [], "request_location": True, "attachments": []},
        {
            "text": "Tafel & mehr",
            "buttons": [{"label": "Details", "payload": "need:7:detail"}],
            "request_location": False,
            "attachments": [{"filename": "termin.ics", "mime_type": "text/calendar", "size": 17}],
        },
        {"end_of_turn": True},
    ]
    assert engine.received[0] == Incoming(
        identity="console:luisa", tenant="aachen", command="start"
    )


async def test_every_event_kind_reaches_the_engine(scripted: Any) -> None:
    engine = scripted([])
    await drive(
        engine,
        [
            '{"text": "Ich möchte samstags helfen"}',
            '{"button": "cat:umwelt"}',
            '{"location": {"lat": 50.77, "lon": 6.08}}',
            '{"command": "/start", "args": "need_42"}',
        ],
    )
    assert [(e.text, e.button, e.location, e.command, e.args) for e in engine.received] == [
        ("Ich möchte samstags helfen", None, None, None, ""),
        (None, "cat:umwelt", None, None, ""),
        (None, None, Location(50.77, 6.08), None, ""),
        (None, None, None, "start", "need_42"),
    ]


async def test_now_sets_the_clock_for_this_and_later_turns(scripted: Any) -> None:
    clock = ConsoleClock()
    engine = scripted([])
    await drive(
        engine,
        [
            '{"text": "a", "now": "2026-12-05T10:00:00+01:00"}',
            '{"text": "b"}',
            '{"now": "2026-12-06T08:00:00"}',
        ],
        clock,
    )
    saturday = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)  # 10:00 in Aachen
    # and a "now" without offset is UTC, as core.clock takes it
    assert [e.now for e in engine.received] == [saturday, saturday]
    assert clock.now() == datetime(2026, 12, 6, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "line",
    [
        "not json",
        "[1, 2]",
        '{"txt": "hallo"}',
        '{"text": "a", "button": "b"}',
        '{"text": 5}',
        '{"button": ""}',
        '{"location": {"lat": 95, "lon": 6}}',
        '{"location": {"lat": "50", "lon": 6}}',
        '{"location": [50, 6]}',
        '{"command": ""}',
        '{"command": "start", "args": 42}',
        '{"text": "a", "args": "x"}',
        '{"text": "a", "now": "gestern"}',
        "{}",
    ],
)
async def test_an_invalid_line_gets_an_error_and_the_script_goes_on(
    scripted: Any, line: str
) -> None:
    engine = scripted([[Reply("Weiter geht's")]])
    out = await drive(engine, [line, '{"text": "ok"}'])
    assert set(out[0]) == {"error"} and out[0]["error"]
    assert out[1] == {"end_of_turn": True}
    assert out[2]["text"] == "Weiter geht's"
    assert [e.text for e in engine.received] == ["ok"]


def test_invalid_utf8_is_an_error_not_a_crash() -> None:
    with pytest.raises(JsonlError, match="UTF-8"):
        parse_jsonl_line(b'{"text": "\xff"}')


async def test_a_failing_engine_turn_is_reported_and_the_next_one_works(
    allow_logged_errors: None,
) -> None:
    class FailsOnce:
        calls = 0

        async def handle(self, incoming: Incoming) -> list[Reply]:
            self.calls += 1
            if self.calls == 1:
                raise RuntimeError("boom")
            return [Reply("wieder da")]

    out = await drive(FailsOnce(), ['{"text": "a"}', '{"text": "b"}'])
    assert "error" in out[0] and "Traceback" not in out[0]["error"]
    assert out[1:] == [
        {"end_of_turn": True},
        {"text": "wieder da", "buttons": [], "request_location": False, "attachments": []},
        {"end_of_turn": True},
    ]


async def test_blank_lines_are_skipped(scripted: Any) -> None:
    out = await drive(scripted([]), ["", "   "])
    assert out == []
