"""What the engine reads and writes around a turn: one read of state and
person, no write when nothing changed, and an identity that writes again
is reachable again."""

from __future__ import annotations

from sqlalchemy import select

from bots.bootstrap import App
from core.models import ConversationState, Identity
from core.services.people import identities_of, mark_unreachable
from tests.dialogue.harness import Conversation


async def _version(app: App, identity: str) -> int:
    async with app.db.sessions() as session:
        return int(
            await session.scalar(
                select(ConversationState.version).where(ConversationState.identity == identity)
            )
            or 0
        )


async def test_a_person_marked_unreachable_who_writes_again_is_reachable(app: App) -> None:
    conv = Conversation(app, identity="back:1")
    await conv.command("start")
    await conv.press("f:consent:yes")
    async with app.db.sessions() as session:
        person_id = await session.scalar(select(Identity.person_id).where(Identity.key == "back:1"))
    assert person_id is not None
    await mark_unreachable(app.db, "back:1", "aachen", app.clock.now())
    assert await identities_of(app.db, person_id) == [("back:1", False)]

    await conv.command("hilfe")

    assert conv.replies
    assert await identities_of(app.db, person_id) == [("back:1", True)]


async def test_a_turn_that_changes_nothing_writes_nothing(app: App) -> None:
    conv = Conversation(app, identity="same:1")
    await conv.command("start")
    await conv.command("hilfe")
    before = await conv.state()
    version = await _version(app, "same:1")

    await conv.command("hilfe")

    assert await conv.state() == before
    assert await _version(app, "same:1") == version


async def test_a_turn_that_changes_the_state_writes_it_once(app: App) -> None:
    conv = Conversation(app, identity="step:1")
    await conv.command("start")
    version = await _version(app, "step:1")

    await conv.press("f:consent:yes")

    assert (await conv.state()).slot == "interests"
    assert await _version(app, "step:1") == version + 1


def test_the_stored_state_is_what_asdict_gives_and_a_copy() -> None:
    from dataclasses import asdict

    from dialogue.state import DialogueState

    state = DialogueState(
        flow="search",
        slot="query",
        slots={"query": {"categories": ["umwelt"], "center": (50.7, 6.1)}},
        asked=["query"],
        buttons=[["1 · Müll sammeln", "need:1"]],
        view={"kind": "search", "ids": [1, 2], "filter": {"when": "weekend"}},
        pending="need:1:signup",
        editing=True,
    )
    data = state.to_dict()
    assert data == asdict(state) and list(data) == list(asdict(state))
    data["slots"]["query"]["categories"].append("tiere")
    data["view"]["ids"].append(3)
    assert state.slots["query"]["categories"] == ["umwelt"] and state.view["ids"] == [1, 2]
