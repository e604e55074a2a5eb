"""The Matrix bot against a real Synapse, with a scripted engine (conftest.py)."""

from __future__ import annotations

from nio import RoomEncryptedFile, RoomMessageFile, RoomMessageText

from dialogue.messages import Location


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
