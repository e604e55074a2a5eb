"""Whatever arrives, the bot answers, never raises, and keeps its state readable."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bots.bootstrap import App
from dialogue.engine import Engine
from dialogue.messages import Incoming, Location
from tests.dialogue.harness import Conversation

PAYLOADS = [
    "f:consent:yes",
    "f:consent:no",
    "f:interests:umwelt",
    "f:interests:done",
    "f:radius:10",
    "f:availability:weekend",
    "f:availability:done",
    "f:alerts:no",
    "f:confirm:yes",
    "f:confirm:change",
    "f:confirm:edit:location",
    "f:query:cat:umwelt",
    "f:location:pick:3",
    "nav:back",
    "nav:cancel",
    "nav:help",
    "nav:menu",
    "nav:list",
    "menu:matches",
    "menu:search",
    "menu:engagements",
    "menu:profile",
    "menu:start",
    "lang:en",
    "lang:de",
    "lang:xx",
    "need:1",
    "need:1:signup",
    "need:99999",
    "more:matches:5",
    "more:x:y",
    "eng:1:withdraw",
    "eng:1:withdraw:yes",
    "pause:7",
    "pause:0",
    "pause:abc",
    "data:export",
    "intent:search",
    "intent:nonsense",
    "f:",
    ":",
    "",
    "need:",
    "f:radius:-5",
    "f:qualifications:it",
    "f:qualifications:done",
    "need:1:q:fuehrungszeugnis:yes",
    "need:1:q:fuehrungszeugnis:later",
    "need:1:q:xx:no",
    "need:99999:q:sprache:en:no",
]
COMMANDS = [
    "start",
    "passt",
    "suche",
    "termine",
    "profil",
    "pause",
    "daten",
    "sprache",
    "hilfe",
    "unbekannt",
    "",
]
TEXTS = [
    "ja",
    "nein",
    "fertig",
    "zurück",
    "abbrechen",
    "Umwelt",
    "52062",
    "99999",
    "Aahcen",
    "samstags vormittags in Burtscheid",
    "5",
    "1",
    "🎉",
    "\x00\x07",
    "Привет",
    "مرحبا",
    '/find_engagement{"category": "umwelt"}',
    "/intent{broken",
    "x" * 4096,
    "englisch",
    "Wir brauchen morgen 3 Leute",
    "mehr",
]

events = st.one_of(
    st.builds(lambda t: {"text": t}, st.one_of(st.sampled_from(TEXTS), st.text(max_size=300))),
    st.builds(lambda p: {"button": p}, st.one_of(st.sampled_from(PAYLOADS), st.text(max_size=40))),
    st.builds(
        lambda c, a: {"command": c, "args": a},
        st.sampled_from(COMMANDS),
        st.sampled_from(["", "need_1", "need_x", "need_99999999"]),
    ),
    st.builds(
        lambda lat, lon: {"location": Location(lat, lon)},
        st.floats(-90, 90, allow_nan=False),
        st.floats(-180, 180, allow_nan=False),
    ),
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(events, min_size=1, max_size=6), st.integers(0, 3))
async def test_every_event_gets_a_reply_and_never_an_exception(
    app: App, script: list[dict[str, object]], who: int
) -> None:
    for event in script:
        replies = await app.engine.handle(
            Incoming(identity=f"prop:{who}", tenant="aachen", **event)  # type: ignore[arg-type]
        )
        assert replies, event
        assert all(r.text.strip() for r in replies)
        assert not any("Traceback" in r.text for r in replies)


async def test_one_persons_events_are_handled_in_order_and_people_concurrently(
    app: App,
) -> None:
    async def person(n: int) -> list[str]:
        conv = Conversation(app, identity=f"many:{n}")
        await conv.command("start")
        await conv.press("f:consent:yes")
        await conv.press("f:interests:umwelt")
        await conv.press("f:interests:done")
        return [(await conv.state()).slot or ""]

    results = await asyncio.gather(*(person(n) for n in range(8)))
    assert all(r == ["location"] for r in results)


async def test_two_processes_on_one_conversation_do_not_lose_a_step(app: App) -> None:
    from bots.bootstrap import bootstrap
    from core.settings import Settings

    other = await bootstrap(
        Settings.from_env(database_url=app.db.url), clock=app.clock, db=app.db, tenants=app.tenants
    )
    other.nlu = app.nlu
    first, second = Conversation(app, identity="two:1"), Conversation(other, identity="two:1")
    await first.command("start")
    await asyncio.gather(first.press("f:consent:yes"), second.press("f:consent:yes"))
    state = await first.state()
    assert state.flow == "onboarding" and state.slot == "interests"


async def test_a_programming_error_is_logged_and_answered_with_an_apology(
    app: App,
    allow_logged_errors: None,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dialogue.flows import settings as settings_flow

    async def broken(turn: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(settings_flow, "help_text", broken)
    conv = Conversation(app, identity="err:1")
    await conv.command("start")
    before = await conv.state()
    await conv.command("hilfe")
    assert "schiefgelaufen" in conv.text and conv.last.buttons
    assert (await conv.state()).flow == before.flow
    assert "hilfe" not in caplog.text.casefold().replace("dialogue turn failed", "")


async def test_deep_link_opens_the_need(app: App) -> None:
    from sqlalchemy import select

    from core.models import Need

    async with app.db.sessions() as session:
        need = (await session.scalars(select(Need).where(Need.title.like("Vorlese%")))).one()
    conv = Conversation(app, identity="link:1")
    await conv.command("start", f"need_{need.id}")
    assert "Vorlesestunde" in conv.text
    assert f"need:{need.id}:signup" in conv.payloads()


async def test_formal_address_for_a_sie_tenant(app: App) -> None:
    conv = Conversation(app, identity="sie:1", tenant="stolberg")
    await conv.command("start")
    assert "Ihnen" in conv.text and "Sind Sie einverstanden" in conv.text


async def test_engine_is_built_once_per_app(app: App) -> None:
    assert isinstance(app.engine, Engine) and app.engine is app.engine


async def test_clock_in_the_event_is_used(app: App) -> None:
    conv = Conversation(app, identity="clock:1")
    later = app.clock.now() + timedelta(days=1)
    await conv.say("hallo", now=later)
    assert conv.replies
