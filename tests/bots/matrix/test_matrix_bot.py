"""The Matrix bot against a real Synapse, with a scripted engine (conftest.py)."""

from __future__ import annotations

import json

from nio import RoomEncryptedFile, RoomMessageFile, RoomMessageNotice, RoomMessageText
from nio.crypto import OutboundGroupSession

from bots.matrix import build_matrix_channels
from dialogue.messages import Button, Location, Reply
from dialogue.ports import Delivery

PASSWORD = "correct horse battery staple"  # as registered by conftest.py


def _body(event: object) -> str:
    return str(event.source["content"]["body"])  # type: ignore[attr-defined]


async def test_encrypted_dm_from_invite_to_signed_up_engagement(bots, people, engine) -> None:
    bot = await bots.start()
    luisa = await people("luisa")

    room = await luisa.open_dm(bot.user_id, encrypted=True)
    await luisa.say(room, "Hallo")  # typed before the bot has even joined

    welcome = await luisa.next_message(room, bot.user_id, 0)
    assert isinstance(welcome, RoomMessageText) and welcome.decrypted
    content = welcome.source["content"]
    assert content["format"] == "org.matrix.custom.html"
    assert "<b>Engagement-Bot</b>" in content["formatted_body"]
    assert "<li>🌳 Umwelt</li>" in content["formatted_body"]
    assert "Willkommen beim Engagement-Bot!" in content["body"]
    assert "1. 🌳 Umwelt\n2. Senioren" in content["body"]

    await luisa.say(room, "1")
    detail = await luisa.next_message(room, bot.user_id, 1)
    assert "Bachpatenschaft Wurm" in _body(detail)

    await luisa.say(room, "anmelden")  # the label, in any case
    confirmation = await luisa.next_message(room, bot.user_id, 2)
    assert "angemeldet" in _body(confirmation)
    ics = await luisa.next_message(room, bot.user_id, 3)
    assert isinstance(ics, RoomEncryptedFile)
    data = await luisa.download(ics.source["content"])
    assert data.startswith(b"BEGIN:VCALENDAR") and b"Bachpatenschaft" in data

    assert [i.button for i in engine.received] == [None, "cat:umwelt", "need:42:signup"]
    assert {i.identity for i in engine.received} == {f"matrix:{luisa.user_id}"}
    assert {i.tenant for i in engine.received} == {"aachen"}


async def test_unencrypted_dm_from_invite_to_signed_up_engagement(bots, people, engine) -> None:
    bot = await bots.start()
    heinrich = await people("heinrich")
    await heinrich.client.set_displayname("Heinrich Helfer")

    room = await heinrich.open_dm(bot.user_id, encrypted=False)
    await heinrich.say(room, "hallo")
    welcome = await heinrich.next_message(room, bot.user_id, 0)
    assert not welcome.decrypted and "1. 🌳 Umwelt" in _body(welcome)

    await heinrich.say(room, "🌳 Umwelt")
    await heinrich.next_message(room, bot.user_id, 1)
    await heinrich.say(room, "1.")
    assert "angemeldet" in _body(await heinrich.next_message(room, bot.user_id, 2))
    ics = await heinrich.next_message(room, bot.user_id, 3)
    assert isinstance(ics, RoomMessageFile)
    content = ics.source["content"]
    assert content["info"]["mimetype"] == "text/calendar" and "url" in content
    assert (await heinrich.download(content)).startswith(b"BEGIN:VCALENDAR")
    assert [i.button for i in engine.received] == [None, "cat:umwelt", "need:42:signup"]
    # The display name is what the name question offers (issue 14.2).
    assert {i.first_name for i in engine.received} == {"Heinrich Helfer"}


async def test_location_message_reaches_the_dialogue_as_a_location(bots, people, engine) -> None:
    bot = await bots.start()
    luisa = await people("luisa")
    room = await luisa.open_dm(bot.user_id)
    await luisa.wait_for(lambda: bot.user_id in luisa.client.rooms[room].users)

    await luisa.send(
        room,
        {
            "msgtype": "m.location",
            "body": "Standort",
            "geo_uri": "geo:50.7606,6.0939;u=20",
            "org.matrix.msc3488.location": {"uri": "geo:50.7606,6.0939;u=20"},
        },
    )
    reply = await luisa.next_message(room, bot.user_id, 0)
    assert "50.7606, 6.0939" in _body(reply)
    assert engine.received[-1].location == Location(lat=50.7606, lon=6.0939)


async def test_restart_between_two_messages_answers_each_exactly_once(bots, people, engine) -> None:
    bot = await bots.start()
    luisa = await people("luisa")
    room = await luisa.open_dm(bot.user_id)
    await luisa.say(room, "Hallo")
    await luisa.next_message(room, bot.user_id, 0)  # the welcome, with buttons
    device = bot.device_id

    await bots.stop(bot)
    await luisa.say(room, "1")  # encrypted, while the bot is down

    bot = await bots.start()
    assert bot.device_id == device  # same device, so the stored keys still decrypt
    detail = await luisa.next_message(room, bot.user_id, 1)
    assert "Bachpatenschaft Wurm" in _body(detail)  # the button offered before the restart
    await luisa.say(room, "Wie lange dauert das?")
    await luisa.next_message(room, bot.user_id, 2)

    # Everything before the last message was handled before it: no duplicates left to come.
    assert len(luisa.messages(room, bot.user_id)) == 3
    assert [(i.text, i.button) for i in engine.received] == [
        ("Hallo", None),
        (None, "cat:umwelt"),
        ("Wie lange dauert das?", None),
    ]


async def test_notification_opens_a_dm_with_someone_who_never_wrote(bots, people, engine) -> None:
    bot = await bots.start()
    anna = await people("anna")
    urgent = Reply(
        "<b>Dringend:</b> Die Tafel braucht morgen 3 Leute, 10–14 Uhr.",
        buttons=(Button("Ich helfe", "need:7:signup"),),
    )

    assert await bot.notify("aachen", f"matrix:{anna.user_id}", [urgent]) is Delivery.DELIVERED

    await anna.wait_for(lambda: anna.invites)
    room, invite = anna.invites[0]
    assert invite.content.get("is_direct") is True and invite.sender == bot.user_id
    alert = await anna.next_message(room, bot.user_id, 0)
    assert alert.decrypted  # sent while she was only invited, still readable
    assert "Dringend:" in _body(alert) and "1. Ich helfe" in _body(alert)

    await anna.say(room, "Ich helfe")
    await anna.next_message(room, bot.user_id, 1)
    assert engine.received[-1].button == "need:7:signup"
    assert engine.received[-1].identity == f"matrix:{anna.user_id}"

    # The room is remembered: the next notification goes there, no second invitation.
    assert await bot.notify("aachen", f"matrix:{anna.user_id}", [Reply("Erinnerung")]) is (
        Delivery.DELIVERED
    )
    assert _body(await anna.next_message(room, bot.user_id, 2)) == "Erinnerung"
    assert len(anna.invites) == 1


async def test_group_room_stays_quiet_until_the_bot_is_mentioned(bots, people, engine) -> None:
    bot = await bots.start()
    anna, ben = await people("anna"), await people("ben")
    created = await anna.client.room_create(
        name="Nachbarschaftshilfe Burtscheid", invite=[bot.user_id, ben.user_id]
    )
    group = created.room_id
    await anna.wait_joined(group, bot.user_id, ben.user_id)

    await anna.say(group, "Hallo zusammen, wer hat Samstag Zeit?")
    await ben.say(group, "Ich! Bringe Handschuhe mit.")
    name = "Engagement-Bot Aachen"
    await anna.say(
        group,
        f"{name}: hallo",
        format="org.matrix.custom.html",
        formatted_body=f'<a href="https://matrix.to/#/{bot.user_id}">{name}</a>: hallo',
        **{"m.mentions": {"user_ids": [bot.user_id]}},
    )

    pointer = await anna.next_message(group, bot.user_id, 0)
    assert isinstance(pointer, RoomMessageNotice) and "Direktchat" in _body(pointer)
    await anna.wait_for(lambda: any(r != group for r, _ in anna.invites))
    dm = next(r for r, _ in anna.invites if r != group)
    welcome = await anna.next_message(dm, bot.user_id, 0)
    assert "1. 🌳 Umwelt" in _body(welcome)

    # The chatter before the mention reached nobody; the group got only the pointer.
    assert [(i.identity, i.text) for i in engine.received] == [(f"matrix:{anna.user_id}", "hallo")]
    assert len(anna.messages(group, bot.user_id)) == 1


async def test_message_the_bot_cannot_decrypt_gets_the_polite_notice(bots, people, engine) -> None:
    bot = await bots.start(undecryptable_grace=0.5)
    luisa = await people("luisa")
    room = await luisa.open_dm(bot.user_id)
    await luisa.wait_joined(room, bot.user_id)

    # A Megolm session that is shared with nobody: its key can never reach the bot.
    session = OutboundGroupSession()
    session.mark_as_shared()
    plaintext = {
        "type": "m.room.message",
        "room_id": room,
        "content": {"msgtype": "m.text", "body": "?"},
    }
    await luisa.send_raw(
        room,
        "m.room.encrypted",
        {
            "algorithm": "m.megolm.v1.aes-sha2",
            "sender_key": luisa.client.olm.account.identity_keys["curve25519"],
            "ciphertext": session.encrypt(json.dumps(plaintext)),
            "session_id": session.id,
            "device_id": luisa.client.device_id,
        },
    )

    notice = await luisa.next_message(room, bot.user_id, 0)
    assert isinstance(notice, RoomMessageNotice)
    assert "nicht entschlüsseln" in _body(notice)
    assert engine.received == []

    await luisa.say(room, "Hallo")  # sent again, readable this time
    assert "Willkommen" in _body(await luisa.next_message(room, bot.user_id, 1))


async def test_bot_leaves_a_dm_the_person_left(bots, people) -> None:
    bot = await bots.start()
    luisa = await people("luisa")
    room = await luisa.open_dm(bot.user_id)
    await luisa.say(room, "Hallo")
    await luisa.next_message(room, bot.user_id, 0)
    observer = await people("observer", account=bot.user_id)  # sees the bot account's rooms

    await luisa.client.room_leave(room)

    await observer.wait_for(lambda: room in observer.left)


async def test_bad_login_is_reported_without_the_secret_and_other_tenants_run(
    bots, people, engine, tmp_path, caplog, allow_logged_errors
) -> None:
    good, bad = bots.tenant("aachen"), bots.tenant("stolberg")
    environ = {"TEST_MATRIX_PASSWORD": PASSWORD}
    wrong = {"TEST_MATRIX_PASSWORD": "not-the-password-4711"}
    [aachen] = build_matrix_channels([good], engine, environ, tmp_path / "var")
    [stolberg] = build_matrix_channels({"stolberg": bad}, engine, wrong, tmp_path / "var")

    await stolberg.start()  # does not raise
    await aachen.start()
    try:
        assert stolberg.failure is not None and "M_FORBIDDEN" in stolberg.failure
        assert not stolberg.running
        assert "stolberg" in caplog.text and "not-the-password-4711" not in caplog.text
        assert await stolberg.notify("stolberg", "matrix:@x:localhost", [Reply("x")]) is (
            Delivery.FAILED
        )

        assert aachen.failure is None and aachen.running
        store = tmp_path / "var" / "matrix" / "aachen"
        assert (store / "session.json").exists()
        assert list(store.glob("*.db"))  # nio's encryption store
        luisa = await people("luisa")
        room = await luisa.open_dm(aachen.user_id)
        await luisa.say(room, "Hallo")
        await luisa.next_message(room, aachen.user_id, 0)
    finally:
        await stolberg.stop()
        await aachen.stop()


async def test_rate_limited_replies_are_sent_after_retry_after_ms(
    bots, people, synapse, caplog
) -> None:
    synapse.limit_messages(bots.user_id, per_second=2, burst=1)
    bot = await bots.start()
    luisa = await people("luisa")
    room = await luisa.open_dm(bot.user_id, encrypted=False)
    await luisa.wait_joined(room, bot.user_id)

    await luisa.say(room, "drei Antworten")

    await luisa.wait_for(lambda: len(luisa.messages(room, bot.user_id)) == 3)
    assert [_body(m) for m in luisa.messages(room, bot.user_id)] == [
        "Antwort 1",
        "Antwort 2",
        "Antwort 3",
    ]
    assert any("ratelimited" in r.getMessage() for r in caplog.records)  # M_LIMIT_EXCEEDED met
