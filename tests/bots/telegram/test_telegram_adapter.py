"""The Telegram adapter against the Bot API fake, with a scripted engine.

The real python-telegram-bot polls, sends and edits through HTTP; assertions
read what arrived at the fake, i.e. what a person would see in Telegram.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from bots.telegram import TelegramChannel, build_telegram_channels
from dialogue.messages import Location, Reply
from dialogue.ports import Delivery
from tests.bots.telegram.harness import (
    OTHER_TOKEN,
    TOKEN,
    ChatUser,
    journey,
    make_tenant,
    texts_of,
)
from tests.fakes import ScriptedEngine


async def test_text_message_reaches_engine_and_reply_arrives(start_channel, engine, user):
    await start_channel(engine)
    sent = await user.say("Hallo Bot")
    assert texts_of(sent) == ["Echo: Hallo Bot"]
    incoming = engine.received[-1]
    assert (incoming.identity, incoming.tenant, incoming.text) == (
        "telegram:4711",
        "aachen",
        "Hallo Bot",
    )
    assert incoming.language_hint == "de"
    # Typed, as pressed: the first name the name question offers (issue 14.2).
    assert incoming.first_name == "Heinrich"


async def test_start_shows_inline_keyboard_in_rows(start_channel, engine, user):
    await start_channel(engine)
    (message,) = await user.say("/start")
    rows = message.reply_markup["inline_keyboard"]
    assert [[b["text"] for b in row] for row in rows] == [["🌳 Umwelt", "🐾 Tiere"], ["Weiter"]]
    assert engine.received[-1].command == "start" and engine.received[-1].args == ""


async def test_deep_link_passes_start_argument(start_channel, engine, user):
    await start_channel(engine)
    (message,) = await user.say("/start need_42")
    assert message.plain == "Bedarf 42"
    assert (engine.received[-1].command, engine.received[-1].args) == ("start", "need_42")


@pytest.mark.parametrize(
    ("typed", "command"),
    [
        ("/passt", "passt"),
        ("/matches", "passt"),
        ("/suche", "suche"),
        ("/search", "suche"),
        ("/termine", "termine"),
        ("/dates", "termine"),
        ("/profil", "profil"),
        ("/profile", "profil"),
        ("/pause", "pause"),
        ("/daten", "daten"),
        ("/data", "daten"),
        ("/loeschen", "loeschen"),
        ("/delete", "loeschen"),
        ("/sprache", "sprache"),
        ("/language", "sprache"),
        ("/hilfe", "hilfe"),
        ("/help", "hilfe"),
        ("/HILFE@EngagementAachenBot", "hilfe"),
    ],
)
async def test_commands_and_english_aliases_reach_engine_by_german_name(
    start_channel, engine, user, typed, command
):
    await start_channel(engine)
    sent = await user.say(typed)
    assert texts_of(sent) == [f"Befehl {command}"]


async def test_command_for_another_bot_is_ignored(start_channel, engine, user):
    await start_channel(engine)
    assert await user.say("/hilfe@SomeOtherBot") == []
    assert engine.received == []


async def test_button_press_is_answered_and_page_edits_the_message(
    start_channel, engine, user, tg_bot
):
    await start_channel(engine)
    (menu,) = await user.say("/start")
    sent = await user.press(label="Weiter")
    assert [s.method for s in sent] == ["editMessageText"]
    assert sent[0].message_id == menu.message_id and sent[0].plain == "Seite 2"
    assert sent[0].buttons == [("Zurück", "page:1")]
    assert all(query in tg_bot.answers for query in tg_bot._callbacks)  # every press answered
    # paging back edits again, still one message in the chat
    sent = await user.press(label="Zurück")
    assert [s.message_id for s in sent] == [menu.message_id]


async def test_old_or_unknown_button_gets_polite_answer(start_channel, engine, user, tg_bot):
    await start_channel(engine)
    await user.say("/start")
    update_id, query_id = tg_bot.press(user.chat_id, "need:999:gone")
    await user.handled.wait(update_id)
    assert query_id in tg_bot.answers
    assert tg_bot.sent[-1].plain == "Dieser Knopf ist nicht mehr aktuell."


async def test_location_and_venue_reach_engine_as_locations(start_channel, engine, user):
    await start_channel(engine)
    (shared,) = await user.share_location(50.7753, 6.0839)
    assert shared.plain == "Standort 50.78, 6.08"
    await user.share_venue(50.7606, 6.0939, "Kurpark Burtscheid")
    assert engine.received[-1].location == Location(50.7606, 6.0939)


async def test_location_request_uses_one_time_reply_keyboard(start_channel, engine, user):
    await start_channel(engine)
    await user.say("/start")
    (ask,) = await user.press("cat:umwelt")
    assert ask.requests_location
    assert ask.reply_markup["one_time_keyboard"] is True
    (after,) = await user.share_location(50.77, 6.08)
    assert after.reply_markup == {"remove_keyboard": True}  # the keyboard goes away


async def test_buttons_and_location_request_together_use_two_messages(start_channel, engine, user):
    await start_channel(engine)
    first, second = await user.say("knöpfe und ort")
    assert first.buttons == [("Aachen", "place:ac")]
    assert second.requests_location and second.plain


async def test_attachment_goes_out_as_document(start_channel, engine, user):
    await start_channel(engine)
    await user.say("/start need_42")
    text, document = await user.press("need:42:signup")
    assert text.plain == "Du bist dabei!"
    assert document.method == "sendDocument" and document.filename == "einsatz.ics"
    assert document.content.startswith(b"BEGIN:VCALENDAR")
    assert document.content_type == "text/calendar"


async def test_long_text_is_split_below_limit_with_valid_markup(start_channel, engine, user):
    await start_channel(engine)
    sent = await user.say("lang")
    assert len(sent) > 1  # the fake refuses > 4096 characters and broken tags
    assert all(len(s.plain) <= 4096 for s in sent)
    assert "".join(texts_of(sent)).count("Zeile") == 300


async def test_overlong_payload_is_guarded_not_rejected(
    start_channel, engine, user, allow_logged_errors, caplog
):
    await start_channel(engine)
    (message,) = await user.say("zu lang")
    ((label, data),) = message.buttons
    assert label == "Lang" and data.startswith("~") and len(data.encode()) <= 64
    assert any("exceeds Telegram's 64-byte" in r.getMessage() for r in caplog.records)
    (answer,) = await user.press(data)
    assert answer.plain == "Dieser Knopf ist nicht mehr aktuell."


async def test_slow_engine_shows_typing(start_channel, user, tg_bot):
    await start_channel(ScriptedEngine(journey, delay=0.7))
    await user.say("Hallo")
    assert [action for chat, action, _ in tg_bot.actions if chat == user.chat_id] == ["typing"]


async def test_typing_takes_no_message_slot_and_the_answer_does_not_wait_for_it(
    start_channel, user, tg_bot
):
    # One message a second: before, "typing…" took that second's slot and the
    # answer waited for the next one (~1.5 s after the message, not 0.7).
    await start_channel(ScriptedEngine(journey, delay=0.7), max_per_second=1)
    loop = asyncio.get_running_loop()
    began = loop.time()
    await user.say("Hallo")
    assert loop.time() - began < 1.35
    assert [action for chat, action, _ in tg_bot.actions if chat == user.chat_id] == ["typing"]


async def test_fast_engine_shows_no_typing(start_channel, engine, user, tg_bot):
    await start_channel(engine)
    await user.say("Hallo")
    assert tg_bot.actions == []


async def test_sticker_reaches_engine_as_empty_text(start_channel, engine, user, tg_bot):
    await start_channel(engine)
    update_id = tg_bot.sticker(user.chat_id)
    await user.handled.wait(update_id)
    assert engine.received[-1].text == ""


async def test_engine_failure_gets_apology_not_silence(start_channel, user, allow_logged_errors):
    await start_channel(ScriptedEngine(error=RuntimeError("bug")))
    (sent,) = await user.say("Hallo")
    assert "schiefgegangen" in sent.plain


async def test_english_user_gets_english_adapter_texts(start_channel, user, allow_logged_errors):
    await start_channel(ScriptedEngine(error=RuntimeError("bug")))
    user.language = "en-GB"
    (sent,) = await user.say("Hello")
    assert sent.plain.startswith("Sorry")


async def test_group_stays_quiet_unless_addressed_then_points_to_private_chat(
    start_channel, engine, tg_bot, handled
):
    await start_channel(engine)
    group = -100123
    quiet = tg_bot.user_message(group, "Wer hilft morgen?", chat_type="supergroup", from_id=4711)
    await handled.wait(quiet)
    assert tg_bot.sent_to(group) == []
    addressed = tg_bot.user_message(
        group, "@EngagementAachenBot hallo", chat_type="supergroup", from_id=4711
    )
    await handled.wait(addressed)
    command = tg_bot.user_message(
        group, "/start@EngagementAachenBot", chat_type="supergroup", from_id=4711
    )
    await handled.wait(command)
    hints = tg_bot.sent_to(group)
    assert len(hints) == 2 and "privaten Chat" in hints[0].plain
    assert (
        hints[0].reply_markup["inline_keyboard"][0][0]["url"]
        == "https://t.me/EngagementAachenBot?start="
    )
    assert engine.received == []  # nothing from a group reaches the dialogue


async def test_start_publishes_commands_and_branding(start_channel, engine, tg_bot):
    await start_channel(engine)
    german = [c["command"] for c in tg_bot.commands[("default", "de")]]
    english = [c["command"] for c in tg_bot.commands[("default", "en")]]
    assert german == [
        "start",
        "passt",
        "suche",
        "termine",
        "nachweis",
        "profil",
        "angebot",
        "angebote",
        "meine_angebote",
        "kontakt",
        "pause",
        "daten",
        "loeschen",
        "sprache",
        "hilfe",
    ]
    assert english == [
        "start",
        "matches",
        "search",
        "dates",
        "certificate",
        "profile",
        "offer",
        "offers",
        "my_offers",
        "contact",
        "pause",
        "data",
        "delete",
        "language",
        "help",
    ]
    assert tg_bot.commands[("default", "")] == tg_bot.commands[("default", "de")]
    assert tg_bot.profile[("name", "")] == "Engagement-Bot Aachen"
    assert tg_bot.profile[("short_description", "")] == "Ehrenamt finden und mitmachen."


async def test_branding_is_not_set_again_when_unchanged(start_channel, engine, tg_bot):
    channel = await start_channel(engine)
    await channel.stop()
    tg_bot.profile_sets.clear()
    await start_channel(engine)
    assert tg_bot.profile_sets == []


async def test_branding_errors_do_not_stop_the_bot(start_channel, engine, tg_bot, user):
    async def refuse(params: dict[str, Any]) -> Any:
        from tests.bots.telegram.fake_bot_api import ApiError

        raise ApiError(429, "Too Many Requests: retry after 3600", {"retry_after": 3600})

    tg_bot._api_setMyName = refuse  # type: ignore[method-assign]
    tg_bot._api_setMyCommands = refuse  # type: ignore[method-assign]
    channel = await start_channel(engine)
    assert channel.running
    assert texts_of(await user.say("Hallo")) == ["Echo: Hallo"]


# ── outbound ────────────────────────────────────────────────────────────


async def test_notify_delivers(start_channel, engine, tg_bot):
    channel = await start_channel(engine)
    delivery = await channel.notify(
        "aachen", "telegram:5001", [Reply("Erinnerung: <b>morgen</b> 10 Uhr")]
    )
    assert delivery is Delivery.DELIVERED
    assert tg_bot.sent_to(5001)[0].plain == "Erinnerung: morgen 10 Uhr"


async def test_blocked_user_is_unreachable(start_channel, engine, tg_bot, unreachable):
    channel = await start_channel(engine)
    tg_bot.blocked.add(5002)
    assert await channel.notify("aachen", "telegram:5002", [Reply("Hallo")]) is Delivery.UNREACHABLE
    assert unreachable == [("aachen", "telegram:5002")]


async def test_unknown_chat_is_unreachable(start_channel, engine, tg_bot, unreachable):
    channel = await start_channel(engine)
    tg_bot.gone.add(5003)
    assert await channel.notify("aachen", "telegram:5003", [Reply("Hallo")]) is Delivery.UNREACHABLE
    assert unreachable == [("aachen", "telegram:5003")]


async def test_blocking_the_bot_in_telegram_marks_unreachable(
    start_channel, engine, tg_bot, handled, unreachable
):
    await start_channel(engine)
    await handled.wait(tg_bot.kicked(5004))
    assert unreachable == [("aachen", "telegram:5004")]


async def test_notify_after_network_failure_is_failed(
    start_channel, engine, fake, allow_logged_errors
):
    channel = await start_channel(engine)
    await fake.close()  # the Bot API is gone
    assert await channel.notify("aachen", "telegram:5005", [Reply("Hallo")]) is Delivery.FAILED


async def test_notify_refuses_foreign_identity(start_channel, engine, allow_logged_errors):
    channel = await start_channel(engine)
    assert await channel.notify("aachen", "matrix:@a:b", [Reply("x")]) is Delivery.FAILED
    assert await channel.notify("stolberg", "telegram:1", [Reply("x")]) is Delivery.FAILED


async def test_429_is_retried_after_retry_after(start_channel, engine, tg_bot):
    channel = await start_channel(engine)
    tg_bot.force_429 = 1
    assert (
        await channel.notify("aachen", "telegram:5006", [Reply("Dringend")]) is Delivery.DELIVERED
    )
    assert tg_bot.rejected_429 == 1 and tg_bot.sent_to(5006)[0].plain == "Dringend"


async def test_burst_of_200_notifications_stays_within_30_per_second(start_channel, engine, tg_bot):
    channel = await start_channel(engine)
    results = await asyncio.gather(
        *(
            channel.notify("aachen", f"telegram:{6000 + i}", [Reply(f"Alarm {i}")])
            for i in range(200)
        )
    )
    assert set(results) == {Delivery.DELIVERED}
    times = sorted(s.at for s in tg_bot.sent)
    assert len(times) == 200 and len({s.chat_id for s in tg_bot.sent}) == 200
    assert max_in_any_second(times) <= 30
    assert tg_bot.rejected_429 == 0


def max_in_any_second(times: list[float]) -> int:
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


# ── start-up, tokens, restarts ──────────────────────────────────────────


async def test_restart_answers_nothing_twice_and_drops_nothing(start_channel, engine, tg_bot, user):
    channel = await start_channel(engine)
    await user.say("eins")
    await channel.stop()
    # arrives while the bot is down
    while_down = tg_bot.user_message(user.chat_id, "zwei")
    await start_channel(engine)
    await user.handled.wait(while_down)
    await user.say("drei")
    assert texts_of(tg_bot.sent_to(user.chat_id)) == ["Echo: eins", "Echo: zwei", "Echo: drei"]
    assert [i.text for i in engine.received] == ["eins", "zwei", "drei"]


async def test_updates_in_flight_at_stop_are_finished_and_confirmed(start_channel, tg_bot, handled):
    slow = ScriptedEngine(journey, delay=0.3)
    channel = await start_channel(slow, typing_delay=5)
    ids = [tg_bot.user_message(7000 + i, f"m{i}") for i in range(5)]
    await tg_bot.api.wait_for(lambda: tg_bot.confirmed_offset > max(ids))  # all fetched
    assert not all(i in handled.ids for i in ids)
    await channel.stop()  # while the engine is still busy
    assert all(i in handled.ids for i in ids)
    await start_channel(ScriptedEngine(journey))
    await tg_bot.api.wait_for(lambda: "getUpdates" in tg_bot.calls[-1:])
    assert all(tg_bot.delivered_count[i] == 1 for i in ids)
    assert len(tg_bot.sent) == 5


async def test_one_chat_in_order_many_chats_concurrently(start_channel, tg_bot, handled):
    engine = ScriptedEngine(journey, delay=0.2)
    await start_channel(engine, typing_delay=5)
    ids = [tg_bot.user_message(8000 + i % 10, f"{i}") for i in range(30)]
    loop = asyncio.get_running_loop()
    began = loop.time()
    for update_id in ids:
        await handled.wait(update_id)
    # 10 chats x 3 messages of 0.2 s each: concurrent across chats, serial within one
    assert loop.time() - began < 2.0
    for chat in range(8000, 8010):
        assert [s.plain for s in tg_bot.sent_to(chat)] == [
            f"Echo: {i}" for i in range(30) if 8000 + i % 10 == chat
        ]


async def test_revoked_token_is_reported_and_other_tenants_keep_running(
    fake, handled, caplog, allow_logged_errors
):
    good = fake.add_bot(OTHER_TOKEN, "EngagementStolbergBot")
    bad = fake.add_bot(TOKEN, "EngagementAachenBot")
    bad.revoked = True
    tenants = [
        make_tenant(fake.url, "aachen"),
        make_tenant(fake.url, "stolberg"),
        make_tenant(fake.url, "eschweiler"),
    ]
    environ = {"AACHEN_TELEGRAM_TOKEN": TOKEN, "STOLBERG_TELEGRAM_TOKEN": OTHER_TOKEN}
    channels = build_telegram_channels(
        tenants, ScriptedEngine(journey), environ, None, polling_timeout=2.0, on_handled=handled
    )
    assert [c.tenant.slug for c in channels] == ["aachen", "stolberg"]  # eschweiler: no token set
    for channel in channels:
        await channel.start()  # never raises
    try:
        assert [c.running for c in channels] == [False, True]
        messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert any(
            "aachen" in m and "rejected its token" in m and "$AACHEN_TELEGRAM_TOKEN" in m
            for m in messages
        )
        assert any(
            "eschweiler" in m and "$ESCHWEILER_TELEGRAM_TOKEN is not set" in m for m in messages
        )
        sent = await ChatUser(good, handled).say("Hallo")
        assert texts_of(sent) == ["Echo: Hallo"]
    finally:
        for channel in channels:
            await channel.stop()


async def test_malformed_token_is_reported(fake, caplog, allow_logged_errors):
    channels = build_telegram_channels(
        [make_tenant(fake.url)], ScriptedEngine(journey), {"AACHEN_TELEGRAM_TOKEN": "not a token"}
    )
    assert channels == []
    assert any("does not look like a bot token" in r.getMessage() for r in caplog.records)
    assert not any("not a token" in r.getMessage() for r in caplog.records)


async def test_unreachable_api_at_start_is_reported(handled, caplog, allow_logged_errors):
    tenant = make_tenant("http://127.0.0.1:9")  # nothing listens there
    channel = TelegramChannel(tenant, ScriptedEngine(journey), TOKEN, None)
    await channel.start()
    assert not channel.running and "unreachable" in (channel.failure or "")
    await channel.stop()


async def test_bot_api_down_at_start_is_retried_until_it_answers(
    start_channel, engine, tg_bot, user, caplog, allow_logged_errors
):
    tg_bot.unavailable = 1  # getMe fails once with 502
    channel = await start_channel(engine, start_retry_delay=0.1)
    assert not channel.running
    assert any("aachen is off: Bot API unreachable" in r.getMessage() for r in caplog.records)
    await tg_bot.api.wait_for(lambda: "getUpdates" in tg_bot.calls)
    assert channel.running
    assert texts_of(await user.say("Hallo")) == ["Echo: Hallo"]


async def test_token_never_appears_in_logs(start_channel, engine, user, caplog):
    caplog.set_level(logging.DEBUG)
    channel = await start_channel(engine)
    await user.say("Hallo")
    await channel.notify("aachen", "telegram:4711", [Reply("Erinnerung")])
    await channel.stop()
    logged = "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records)
    assert "getUpdates" in logged  # httpx did log the requests …
    assert TOKEN not in logged and TOKEN.split(":")[1] not in logged  # … without the token


async def test_no_message_content_in_logs(start_channel, engine, user, caplog):
    caplog.set_level(logging.DEBUG)
    await start_channel(engine)
    await user.say("Meine Adresse ist Geheimweg 7")
    own = [r.getMessage() for r in caplog.records if r.name.startswith("bots.")]
    assert not any("Geheimweg" in m for m in own)


# ── webhook ─────────────────────────────────────────────────────────────


async def test_webhook_mode_checks_secret_and_handles_updates(fake, tg_bot, handled):
    import json

    import httpx
    from starlette.applications import Starlette

    from bots.telegram.webhook import webhook_routes

    tenant = make_tenant(
        fake.url,
        webhook_url="https://bot.example.org/telegram/aachen",
        webhook_secret_env="AACHEN_WEBHOOK_SECRET",
    )
    (channel,) = build_telegram_channels(
        [tenant],
        ScriptedEngine(journey),
        {"AACHEN_TELEGRAM_TOKEN": TOKEN, "AACHEN_WEBHOOK_SECRET": "s3cret-value"},
        on_handled=handled,
    )
    await channel.start()
    try:
        assert tg_bot.webhook["url"] == "https://bot.example.org/telegram/aachen"
        assert tg_bot.webhook["secret_token"] == "s3cret-value"
        app = Starlette(routes=webhook_routes([channel]))
        update = {
            "update_id": 555,
            "message": {
                "message_id": 1,
                "date": 0,
                "text": "Hallo",
                "chat": {"id": 4711, "type": "private"},
                "from": {"id": 4711, "is_bot": False, "first_name": "H"},
            },
        }
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://web"
        ) as client:
            wrong = await client.post(
                "/telegram/aachen",
                content=json.dumps(update),
                headers={"X-Telegram-Bot-Api-Secret-Token": "nope"},
            )
            assert wrong.status_code == 403
            unknown = await client.post("/telegram/nowhere", content=json.dumps(update))
            assert unknown.status_code == 404
            right = await client.post(
                "/telegram/aachen",
                content=json.dumps(update),
                headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-value"},
            )
            assert right.status_code == 200
        await handled.wait(555)
        assert texts_of(tg_bot.sent_to(4711)) == ["Echo: Hallo"]
        assert "getUpdates" not in tg_bot.calls
    finally:
        await channel.stop()


async def test_webhook_without_secret_is_refused(fake, caplog, allow_logged_errors):
    tenant = make_tenant(fake.url, webhook_url="https://bot.example.org/telegram/aachen")
    assert (
        build_telegram_channels([tenant], ScriptedEngine(journey), {"AACHEN_TELEGRAM_TOKEN": TOKEN})
        == []
    )
    assert any("webhook mode needs a secret" in r.getMessage() for r in caplog.records)


async def test_webhook_url_telegram_refuses_is_reported_not_retried(
    fake, tg_bot, caplog, allow_logged_errors
):
    tenant = make_tenant(
        fake.url, webhook_url="http://plain.example.org/telegram/aachen", webhook_secret_env="S"
    )
    (channel,) = build_telegram_channels(
        [tenant], ScriptedEngine(journey), {"AACHEN_TELEGRAM_TOKEN": TOKEN, "S": "abc"}
    )
    await channel.start()
    assert not channel.running and channel._retry is None
    assert any("set-up refused: bad webhook" in r.getMessage().lower() for r in caplog.records)
    await channel.stop()
