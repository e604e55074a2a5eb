"""The action server's actions through rasa-sdk's own executor, with the call
Rasa 3.6 sends (``next_action``, ``sender_id``, ``tracker``, ``domain``): the
same needs and sign-up as our own bot, on the same database. The slow suite
(tests/rasa/) runs them behind a real ``rasa run``."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from bots.bootstrap import App
from bots.rasa.actions import Services, executor
from core.models import NeedStatus
from core.services.feedback import list_feedback
from core.services.people import person_for_identity
from core.services.signup import engagements_of
from tests.conftest import NOW
from tests.dialogue.harness import Conversation
from tests.dialogue.test_hidden_needs import _hide_neighbours, _need_of, _set
from tests.dialogue.test_org_needs import org_member, published_need

SLOTS = {"category": ["kinder_jugend"], "place": "Burtscheid", "weekday": ["sa"],
         "daypart": ["vormittag"]}  # fmt: skip


def _call(
    action: str, sender: str, slots: dict[str, Any], entities: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "next_action": action,
        "sender_id": sender,
        "version": "3.6.21",
        "domain": {"slots": {name: {"type": "any"} for name in (*SLOTS, "need_id", "shown_needs")}},
        "tracker": {
            "sender_id": sender,
            "slots": slots,
            "latest_message": {"intent": {"name": "x", "confidence": 1.0}, "entities": entities or [],
                               "text": "/x"},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }  # fmt: skip


async def _run(app: App, call: dict[str, Any]) -> dict[str, Any]:
    result = await executor(Services("aachen", app)).run(call)
    assert result is not None
    return result.model_dump()  # what the endpoint sends back to Rasa


def _need_ids(result: dict[str, Any]) -> list[int]:
    return [
        int(json.loads(b["payload"][len("/need_detail") :])["need_id"])
        for r in result["responses"]
        for b in r.get("buttons") or []
    ]


async def test_matches_equal_our_bots_for_the_same_profile_and_sign_up_works(app: App) -> None:
    own = Conversation(app, identity="test:own")
    await own.say("Hallo")
    await own.say("ja")
    await own.say("Ich möchte samstags vormittags in Burtscheid mit Kindern helfen")
    assert "Das könnte zu dir passen" in own.text  # saved, with the first matches
    own_ids = [int(p.split(":")[1]) for _, p in own.buttons if p.startswith("need:")]

    shown = await _run(app, _call("action_show_matches", "luisa", SLOTS))
    assert shown["responses"][0]["text"].startswith("Das könnte zu dir passen:")
    assert "<b>" not in shown["responses"][0]["text"]  # plain text for any Rasa channel
    ids = _need_ids(shown)
    assert ids == own_ids[: len(ids)] and ids
    assert {
        "event": "slot",
        "name": "shown_needs",
        "value": [str(i) for i in ids],
    }.items() <= shown["events"][0].items()

    detail = await _run(
        app, _call("action_need_detail", "luisa", {}, [{"entity": "need_id", "value": str(ids[0])}])
    )
    assert detail["responses"][0]["buttons"][0]["payload"] == f'/sign_up{{"need_id": "{ids[0]}"}}'

    signed = await _run(app, _call("action_sign_up", "luisa", {"shown_needs": [str(ids[0])]}))
    assert signed["responses"][0]["custom"]["need_id"] == ids[0]
    person = await person_for_identity(app.db, "rasa:aachen:luisa", "aachen")
    assert person is not None
    assert [e.need_id for e in await engagements_of(app.db, person.id)] == [ids[0]]

    again = await _run(app, _call("action_sign_up", "luisa", {"need_id": str(ids[0])}))
    assert "schon angemeldet" in again["responses"][0]["text"]  # our error text, nothing changed
    assert len(await engagements_of(app.db, person.id)) == 1

    mine = await _run(app, _call("action_my_engagements", "luisa", {}))
    assert mine["responses"][0]["text"].startswith("Deine Termine:")
    withdrawn = await _run(
        app, _call("action_withdraw", "luisa", {}, [{"entity": "need_id", "value": str(ids[0])}])
    )
    assert "abgemeldet" in withdrawn["responses"][0]["text"]
    assert await engagements_of(app.db, person.id) == []


async def test_search_without_a_profile_ranks_the_region_and_creates_nobody(app: App) -> None:
    found = await _run(
        app, _call("action_search", "gast", {}, [{"entity": "category", "value": "umwelt"}])
    )
    assert found["responses"][0]["text"].startswith("Das habe ich gefunden:")
    assert _need_ids(found)
    assert await person_for_identity(app.db, "rasa:aachen:gast", "aachen") is None


async def test_an_unknown_need_gets_a_friendly_answer(app: App) -> None:
    result = await _run(app, _call("action_sign_up", "luisa", {"need_id": "999999"}))
    assert result["responses"][0]["text"] == "Dieses Angebot gibt es nicht mehr."


async def test_feedback_is_kept_for_the_editors_only_with_consent(app: App) -> None:
    def said(text: str) -> dict[str, Any]:
        call = _call("action_feedback", "luisa", {})
        call["tracker"]["latest_message"]["text"] = text
        return call

    # Nobody consented yet: nothing is kept, and the person is told so.
    before = await _run(app, said("Die Karte lädt auf dem Handy nicht"))
    assert "Einwilligung" in before["responses"][0]["text"]
    assert await list_feedback(app.db, app.tenant_ids["aachen"]) == []

    await _run(app, _call("action_show_matches", "luisa", SLOTS))  # consented, a person now
    asked = await _run(app, said("Ich habe Feedback"))
    assert "Was möchtest du uns sagen" in asked["responses"][0]["text"]
    kept = await _run(app, said("Die Karte lädt auf dem Handy nicht"))
    assert "gespeichert" in kept["responses"][0]["text"]
    (item,) = await list_feedback(app.db, app.tenant_ids["aachen"])
    assert item.body == "Die Karte lädt auf dem Handy nicht" and item.channel == "rasa"


def _detail_call(need_id: int) -> dict[str, Any]:
    return _call("action_need_detail", "luisa", {}, [{"entity": "need_id", "value": str(need_id)}])


@pytest.mark.parametrize("why", ["hidden", "pending", "no_published_at", "neighbour_hidden"])
async def test_the_detail_shows_nothing_of_a_need_the_chat_would_not_show(
    app: App, why: str
) -> None:
    """The same visibility check as our own chat (tests/dialogue/test_hidden_needs.py)."""
    conversation = Conversation(app, identity="test:rasa_detail")
    tenant = "stolberg" if why == "neighbour_hidden" else "aachen"
    need_id, title = await _need_of(conversation, tenant)
    visible = await _run(app, _detail_call(need_id))
    assert title in visible["responses"][0]["text"]  # before: shown
    if why == "hidden":
        await _set(conversation, need_id, hidden=True)
    elif why == "pending":
        await _set(conversation, need_id, status=NeedStatus.PENDING_REVIEW, published_at=None)
    elif why == "no_published_at":
        await _set(conversation, need_id, published_at=None)
    else:
        await _hide_neighbours(conversation)
    result = await _run(app, _detail_call(need_id))
    (response,) = result["responses"]
    assert title not in response["text"]
    assert response["text"] == "Dieses Angebot gibt es nicht mehr."
    assert not response.get("buttons")
    assert result["events"] == []  # no need_id slot set for it

    signed = await _run(app, _call("action_sign_up", "luisa", {"need_id": str(need_id)}))
    assert title not in signed["responses"][0]["text"]
    assert await person_for_identity(app.db, "rasa:aachen:luisa", "aachen") is None


async def test_signing_up_after_the_date_says_termin_vorbei(app: App) -> None:
    app.clock.set(NOW)  # type: ignore[attr-defined]
    org_id = await org_member(app, Conversation(app, identity="test:org"))
    need_id = await published_need(app, org_id, title="Flohmarkt aufbauen")  # in 3 days
    app.clock.set(NOW + timedelta(days=4))  # type: ignore[attr-defined]
    detail = await _run(app, _detail_call(need_id))
    assert "Termin vorbei" in detail["responses"][0]["text"]
    assert not detail["responses"][0].get("buttons")  # no sign-up
    signed = await _run(app, _call("action_sign_up", "luisa", {"need_id": str(need_id)}))
    assert signed["responses"][0]["text"].startswith("Termin vorbei"), signed
    assert await person_for_identity(app.db, "rasa:aachen:luisa", "aachen") is None
