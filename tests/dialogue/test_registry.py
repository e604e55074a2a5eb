"""A flow added in a test module is routed without touching the engine, and
the one command table feeds routing, the help text and every channel's
command menu (Telegram's "/" menu)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from bots.bootstrap import App
from core.tenants import TenantConfig
from dialogue import commands as command_table
from dialogue.commands import COMMAND_TABLE, COMMANDS, command_menu, help_commands, menu_names
from dialogue.nlu.result import ParseResult
from dialogue.registry import ROUTES
from dialogue.texts import Texts, catalogue
from dialogue.turn import Event, Turn
from tests.dialogue.harness import Conversation

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cake_flow(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A small flow declared here: a command, its button and an intent."""
    saved = (
        dict(ROUTES.actions),
        {k: list(v) for k, v in ROUTES.payloads.items()},
        set(ROUTES.form_ending),
        dict(ROUTES.intents),
    )
    monkeypatch.setitem(command_table.COMMANDS, "kuchen", "cake")

    @ROUTES.command("cake")
    async def offer_cake(turn: Turn, args: str) -> None:
        turn.say("Kuchen?", (turn.button("nav.back", "cake:slice:3"),))

    @ROUTES.payload("cake", r"slice:(\d)")
    async def slice_of_cake(turn: Turn, event: Event, match: re.Match[str]) -> None:
        turn.say(f"{match.group(1)} Stück Kuchen", turn.menu())

    @ROUTES.intent("order_cake")
    async def cake_by_text(turn: Turn, parse: ParseResult) -> None:
        turn.say("Kuchen kommt.", turn.menu())

    yield
    ROUTES.actions, ROUTES.payloads, ROUTES.form_ending, ROUTES.intents = saved


async def test_a_flow_declared_elsewhere_gets_its_command_button_and_intent(
    app: App, cake_flow: None
) -> None:
    conv = Conversation(app, identity="cake:1")
    await conv.command("kuchen")
    assert conv.text == "Kuchen?"
    await conv.press("cake:slice:3")
    assert conv.text == "3 Stück Kuchen"
    await conv.say("/order_cake")
    assert conv.text == "Kuchen kommt."
    await conv.say("/kuchen")  # typed, as on a channel without a command menu
    assert conv.text == "Kuchen?"
    await conv.press("cake:slice:x")  # not the flow's pattern: an old button
    assert "Kuchen" not in conv.text and conv.replies


async def test_without_the_flow_its_command_is_unknown(app: App) -> None:
    conv = Conversation(app, identity="cake:2")
    await conv.command("kuchen")
    assert "kuchen" not in COMMANDS
    assert conv.text != "Kuchen?" and conv.replies


def test_every_action_in_the_command_table_is_handled_by_a_flow(app: App) -> None:
    assert app.engine  # the engine loads the flows
    assert {c.action for c in COMMAND_TABLE} <= set(ROUTES.actions)


def test_every_menu_command_is_described_in_each_language_and_reaches_its_action() -> None:
    for lang in ("de", "en"):
        texts = catalogue(lang)
        missing = [
            c.action for c in COMMAND_TABLE if c.in_menu and f"command.{c.action}" not in texts
        ]
        assert missing == [], lang
        assert all(name in COMMANDS for name in menu_names(lang))


def test_the_command_menu_is_the_table_with_the_texts_descriptions(
    tenants: dict[str, TenantConfig],
) -> None:
    """No second list of names: a channel's menu (Telegram's "/" menu) is the
    table's menu rows, described by ``command.<action>`` (tenant overrides too)."""
    german = command_menu("de", Texts(tenants["aachen"], "de"))
    assert tuple(german) == menu_names("de")
    assert german["passt"] == "Passende Einsätze" and german["nachweis"] == "Mein Ehrenamtsnachweis"
    english = command_menu("en", Texts(tenants["aachen"], "en"))
    assert tuple(english) == menu_names("en") and english["dates"] == "My dates"
    own = replace(tenants["aachen"], texts={"de": {"command.matches": "Was zu mir passt"}})
    assert command_menu("de", Texts(own, "de"))["passt"] == "Was zu mir passt"
    # and no channel's own texts keep a list of command names
    for path in (ROOT / "data/texts/channels").glob("*.yml"):
        for lang, texts in yaml.safe_load(path.read_text("utf-8")).items():
            assert "commands" not in texts, (path.name, lang)


async def test_the_help_text_lists_the_command_table(app: App) -> None:
    conv = Conversation(app, identity="help:1")
    await conv.command("hilfe")
    assert help_commands("de") in conv.text
    assert "/passt" in conv.text and "/termine" in conv.text
    english = Conversation(app, identity="help:2", language_hint="en")
    await english.command("help")
    assert help_commands("en") in english.text and "/dates" in english.text


def test_every_menu_label_of_the_command_table_names_its_action(app: App) -> None:
    """A typed label runs what its button runs, in either language."""
    from dialogue.choices import label_key
    from dialogue.commands import MENU_LABELS, typed_action
    from dialogue.texts import LANGUAGES, Texts

    tenant = app.tenants["aachen"]
    for lang in LANGUAGES:
        t = Texts(tenant, lang)
        labels = [(label_key(t.raw(k)), a) for k, a in MENU_LABELS.items() if t.has(k)]
        for key, action in labels:
            assert typed_action(key, labels) == action, (lang, key)
            assert action in ROUTES.actions, action
    assert typed_action("termine", []) == "engagements"
    assert typed_action("dates", []) == "engagements"
    assert typed_action("umwelt", []) is None
