"""The three ways against a real Rasa 3.6 (docs/rasa.md):

1. our bot on Rasa's NLU (tenant ``[nlu] engine = "rasa"``),
2. a Rasa assistant on our actions (``ehrenamt rasa actions``),
3. a Rasa assistant on our NLU (``ehrenamt nlu serve``).
"""

from __future__ import annotations

import json
import logging
import subprocess
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from bots.bootstrap import App, bootstrap
from bots.rasa.project import ExportOptions, export_project
from bots.rasa.train import rasa_command, rasa_env
from core.clock import FixedClock
from core.db import Database
from core.services.people import person_for_identity
from core.services.signup import engagements_of
from core.settings import Settings
from core.tenants import NluConfig, TenantConfig
from dialogue.nlu.rasa_remote import from_rasa
from tests.conftest import NOW
from tests.dialogue.conftest import make_app
from tests.dialogue.harness import Conversation
from tests.rasa.conftest import (
    ROOT,
    Actions,
    Process,
    Project,
    Proxy,
    ehrenamt,
    free_port,
    our_env,
    start_rasa,
    wait_until_up,
)

SENTENCE = "Ich möchte samstags vormittags in Burtscheid mit Kindern helfen"


# -- the export ------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["de", "en"])
def test_exported_project_passes_rasa_data_validate(
    rasa_bin: Path, tmp_path: Path, tenants: dict[str, TenantConfig], lang: str
) -> None:
    export_project(tmp_path, ExportOptions(lang=lang, tenant=tenants["aachen"]))
    result = subprocess.run(
        [str(rasa_bin), "data", "validate", "--domain", "domain.yml", "--data", "data",
         "--config", "config.yml"],
        cwd=tmp_path, env=rasa_env(), capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert " ERROR " not in output, output[-3000:]


# -- 1. our bot on Rasa's NLU ----------------------------------------------------------


def test_trained_model_answers_parse_in_the_shape_our_bot_reads(rasa_server: str) -> None:
    answer = httpx.post(f"{rasa_server}/model/parse", json={"text": SENTENCE}, timeout=30).json()
    assert set(answer) >= {"text", "intent", "entities", "intent_ranking"}
    parse = from_rasa(SENTENCE, answer)
    assert "kinder_jugend" in parse.values("category")  # the synonym mapper gave our code
    assert "Burtscheid" in parse.values("place")  # the tenant's district from the lookup
    assert parse.availability == ("sa:vormittag",)


def test_eval_compare_prints_both_nlus_side_by_side(rasa_server: str) -> None:
    result = subprocess.run(
        ehrenamt("nlu", "eval", "--compare", rasa_server, "--lang", "de", "--json"),
        env=our_env(), cwd=ROOT, capture_output=True, text=True, check=True, timeout=900,
    )  # fmt: skip
    rows = json.loads(result.stdout)
    assert {r["set"] for r in rows} >= {"test_data_de", "fresh_de"}
    for row in rows:
        for side in ("builtin", "rasa"):
            figures = row[side]
            assert 0 <= figures["intent_accuracy"] <= 1 and 0 <= figures["entity_f1"] <= 1
            assert 0 < figures["p50_ms"] <= figures["p95_ms"]
        assert row["rasa"]["intent_accuracy"] > 0.3  # a real model answered, not a fallback


def _with_rasa(
    tenants: dict[str, TenantConfig], url: str, timeout: float = 10.0
) -> dict[str, TenantConfig]:
    aachen = replace(tenants["aachen"], nlu=NluConfig("rasa", {"de": url}, timeout))
    return {**tenants, "aachen": aachen}


async def _readback(app: App, identity: str) -> str:
    conversation = Conversation(app, identity=identity)
    await conversation.say("Hallo")
    await conversation.say("ja")
    assert "Wofür" in conversation.text
    await conversation.say(SENTENCE)
    return conversation.text


async def test_onboarding_on_rasa_gives_the_same_read_back_as_built_in(
    rasa_server: str,
    sqlite_db: Database,
    clock: FixedClock,
    tenants: dict[str, TenantConfig],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    built_in = await make_app(sqlite_db, clock, tenants, tmp_path)
    expected = await _readback(built_in, "test:builtin")
    # The read-back of the saved profile, with the first matches.
    assert "gemerkt" in expected and "Burtscheid" in expected and "Sa vormittags" in expected

    on_rasa = await make_app(sqlite_db, clock, _with_rasa(tenants, rasa_server), tmp_path / "r")
    understanding = on_rasa.engine.understanding
    assert understanding.remote_for(on_rasa.tenants["aachen"], "de").url == rasa_server
    assert await _readback(on_rasa, "test:rasa") == expected
    assert understanding.fallbacks == 0  # every text turn was Rasa's
    assert not [r for r in caplog.records if "Rasa NLU" in r.getMessage()]


async def test_rasa_down_mid_conversation_the_built_in_nlu_answers_the_next_turn(
    rasa_server: str,
    sqlite_db: Database,
    clock: FixedClock,
    tenants: dict[str, TenantConfig],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    proxy_factory: list[Proxy],
) -> None:
    proxy = Proxy(int(rasa_server.rsplit(":", 1)[1]))
    await proxy.start()
    proxy_factory.append(proxy)
    app = await make_app(
        sqlite_db, clock, _with_rasa(tenants, f"http://127.0.0.1:{proxy.port}", 5.0), tmp_path
    )
    conversation = Conversation(app)
    await conversation.say("Hallo")  # read by Rasa, through the relay
    assert proxy.connections >= 1
    await conversation.say("ja")
    await proxy.stop()  # Rasa is down from here on
    await conversation.say(SENTENCE)
    assert "gemerkt" in conversation.text and "Kinder" in conversation.text
    assert "Burtscheid" in conversation.text and "Sa vormittags" in conversation.text
    await conversation.say("Hallo?")  # a second failing turn in the same minute
    understanding = app.engine.understanding
    assert understanding.fallbacks == 2
    warnings = [r for r in caplog.records if "Rasa NLU" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    assert SENTENCE not in warnings[0].getMessage()  # no message contents in logs


# -- 2. a Rasa assistant on our actions ---------------------------------------------------------


def _rest(url: str, sender: str, message: str) -> list[dict[str, object]]:
    response = httpx.post(
        f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=60
    )
    response.raise_for_status()
    return list(response.json())


def _need_ids(answers: list[dict[str, object]]) -> list[int]:
    ids = []
    for answer in answers:
        for button in answer.get("buttons") or []:  # type: ignore[attr-defined]
            payload = str(button["payload"])
            if payload.startswith("/need_detail"):
                ids.append(int(json.loads(payload[len("/need_detail") :])["need_id"]))
    return ids


async def _our_bots_matches(database_url: str, tmp_path: Path) -> list[int]:
    """Our own bot, onboarding the same profile on the same database."""
    settings = Settings.from_env(database_url=database_url, data_dir=tmp_path)
    app = await bootstrap(settings, clock=FixedClock(NOW), migrate=False)
    try:
        conversation = Conversation(app, identity="test:own-bot")
        await conversation.say("Hallo")
        await conversation.say("ja")
        await conversation.say(SENTENCE)  # the profile is saved and its matches shown
        assert "Das könnte zu dir passen" in conversation.text
        return [int(p.split(":")[1]) for _, p in conversation.buttons if p.startswith("need:")]
    finally:
        await app.close()


async def test_rasa_assistant_searches_shows_matches_and_signs_up_through_our_actions(
    rasa_server: str, actions: Actions, tmp_path: Path
) -> None:
    url = rasa_server
    greeting = _rest(url, "luisa", "/greet")
    assert "Engagement-Bot Aachen" in str(greeting[0]["text"])  # our texts, via Rasa's rules

    found = _rest(url, "luisa", '/search{"category": "umwelt"}')
    assert str(found[0]["text"]).startswith("Das habe ich gefunden:")
    assert _need_ids(found)

    profile = json.dumps(
        {"category": "kinder_jugend", "place": "Burtscheid", "weekday": "sa",
         "daypart": "vormittag"}
    )  # fmt: skip
    matches = _rest(url, "luisa", f"/find_engagement{profile}")  # the form, then matches
    assert str(matches[0]["text"]).startswith("Das könnte zu dir passen:")
    rasa_ids = _need_ids(matches)
    own_ids = await _our_bots_matches(actions.database_url, tmp_path)
    assert rasa_ids and rasa_ids[0] == own_ids[0]  # the same need for the same profile

    signed = _rest(url, "luisa", f'/sign_up{{"need_id": "{rasa_ids[0]}"}}')
    assert "du bist dabei" in str(signed[0]["text"]) or "Warteliste" in str(signed[0]["text"])
    mine = _rest(url, "luisa", "/my_engagements")
    assert "Deine Termine" in str(mine[0]["text"])

    app = await bootstrap(
        Settings.from_env(database_url=actions.database_url, data_dir=tmp_path),
        clock=FixedClock(NOW),
        migrate=False,
    )
    try:
        person = await person_for_identity(app.db, "rasa:aachen:luisa", "aachen")
        assert person is not None
        assert [e.need_id for e in await engagements_of(app.db, person.id)] == [rasa_ids[0]]
    finally:
        await app.close()


# -- 3. a Rasa assistant on our NLU -----------------------------------------------------------


def test_our_parse_endpoint_feeds_a_real_rasa_dialogue(
    project: Project, actions: Actions, tmp_path: Path
) -> None:
    port = free_port()
    nlu = Process(
        ehrenamt("nlu", "serve", "--port", str(port), "--tenant", "aachen"),
        our_env(), ROOT, tmp_path / "nlu.log",
    )  # fmt: skip
    try:
        wait_until_up(f"http://127.0.0.1:{port}/", nlu, timeout=120)
        answer = httpx.post(
            f"http://127.0.0.1:{port}/model/parse", json={"text": SENTENCE}, timeout=10
        ).json()
        assert answer["intent"]["name"] and 0 <= answer["intent"]["confidence"] <= 1
        assert set(answer) >= {"text", "intent", "entities", "intent_ranking"}
        categories = [e for e in answer["entities"] if e["entity"] == "category"]
        assert categories[0]["value"] == "kinder_jugend"
        assert set(categories[0]) >= {"entity", "value", "start", "end", "extractor"}
        process, url = start_rasa(
            project, tmp_path, name="our-nlu", nlu_url=f"http://127.0.0.1:{port}"
        )
        try:
            greeting = _rest(url, "heinrich", "Guten Tag")
            assert "Engagement-Bot Aachen" in str(greeting[0]["text"])
            found = _rest(url, "heinrich", "Gibt es was im Naturschutz?")
            # our parse (search, category umwelt) -> Rasa's rules -> our action_search
            assert str(found[0]["text"]).startswith("Das habe ich gefunden:")
            assert _need_ids(found)
            tracker = httpx.get(f"{url}/conversations/heinrich/tracker", timeout=30).json()
            extractors = {e.get("extractor") for e in tracker["latest_message"]["entities"]}
            assert extractors == {"ehrenamt"}  # the entities came from our NLU, not Rasa's model
        finally:
            process.stop()
    finally:
        nlu.stop()


def test_rasa_command_is_the_pinned_release(rasa_bin: Path) -> None:
    result = subprocess.run(
        [str(rasa_command()), "--version"], env=rasa_env(), capture_output=True, text=True,
        check=True, timeout=300,
    )  # fmt: skip
    assert "Rasa Version      :         3.6.21" in result.stdout
