"""End to end: Telegram (the real python-telegram-bot against the Bot API fake)
-> TelegramChannel -> the real dialogue engine -> SQLite with the demo seeded.

What a person sees is read where Telegram would show it: at the fake.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from bots.bootstrap import App
from bots.telegram import TelegramChannel
from core.clock import FixedClock
from core.db import Database
from core.models import Need, NeedStatus, Organisation
from core.services.demo import seed_demo
from core.services.people import identities_of, mark_unreachable, person_for_identity
from core.tenants import TelegramConfig, TenantConfig
from dialogue.messages import Reply
from dialogue.ports import Delivery
from tests.bots.telegram.fake_bot_api import FakeBot, FakeBotAPI
from tests.bots.telegram.harness import TOKEN, ChatUser, Handled, texts_of
from tests.dialogue.conftest import make_app


@pytest.fixture
async def app(
    sqlite_db: Database, clock: FixedClock, tenants: dict[str, TenantConfig], tmp_path: Path
) -> App:
    application = await make_app(sqlite_db, clock, tenants, tmp_path)
    await seed_demo(
        sqlite_db,
        tenants=application.tenants,
        tenant_ids=application.tenant_ids,
        taxonomy=application.taxonomy,
        places=application.places,
        now=clock.now(),
    )
    return application


@pytest.fixture
async def bot_for(
    fake: FakeBotAPI, handled: Handled, clock: FixedClock
) -> AsyncIterator[Callable[[App], Any]]:
    """``await bot_for(app)``: Aachen's Telegram bot on the fake, serving ``app``'s engine."""
    running: list[TelegramChannel] = []

    async def start(app: App) -> TelegramChannel:
        async def on_unreachable(tenant: str, identity: str) -> None:
            await mark_unreachable(app.db, identity, tenant, clock.now())

        tenant = replace(
            app.tenants["aachen"],
            telegram=TelegramConfig(token_env="AACHEN_TELEGRAM_TOKEN", api_base_url=fake.url),
        )
        channel = TelegramChannel(
            tenant, app.engine, TOKEN, on_unreachable, polling_timeout=2.0, on_handled=handled
        )
        await channel.start()
        assert channel.running
        running.append(channel)
        return channel

    yield start
    for channel in running:
        if channel.running:
            await channel.stop()


def text(sent: list[Any]) -> str:
    return "\n".join(texts_of(sent))


async def published_need(app: App, *, future: bool = True) -> Need:
    async with app.db.sessions() as session:
        query = select(Need).where(Need.status == NeedStatus.PUBLISHED).order_by(Need.id)
        if future:
            query = query.where(Need.starts_at > app.now())
        # One that asks for no qualification: signing up is then one press.
        return next(n for n in (await session.execute(query)).scalars() if not n.qualifications)


async def test_onboarding_by_buttons_with_shared_location(app, bot_for, user: ChatUser):
    await bot_for(app)
    welcome = await user.say("/start")
    assert "Stadt Aachen" in text(welcome)
    assert "f:consent:yes" in [data for s in welcome for _, data in s.buttons]
    assert "Wofür" in text(await user.press("f:consent:yes"))
    await user.press("f:interests:umwelt")
    asked = await user.press("f:interests:done")
    assert any(s.requests_location for s in asked)  # the location button keyboard
    radius = await user.share_location(50.7606, 6.0939)  # Burtscheid
    assert "f:radius:10" in [d for s in radius for _, d in s.buttons], text(radius)
    await user.press("f:radius:10")
    await user.press("f:availability:weekend")
    await user.press("f:availability:done")
    await user.press("f:qualifications:done")
    done = await user.press("f:alerts:yes")  # the read-back comes with the first matches
    assert "gemerkt" in text(done) and "Eilige Anfragen: ja" in text(done)
    assert "menu:profile" in [d for s in done for _, d in s.buttons]
    person = await person_for_identity(app.db, "telegram:4711", "aachen")
    assert person is not None


async def test_typing_five_at_the_radius_prompt_is_five_km(app, bot_for, user: ChatUser):
    """Issue 12: at "2 km / 5 km / 10 km / 25 km, Zurück, Abbrechen" a typed
    "5" is 5 km (``dialogue.choices``), as in every channel."""
    await bot_for(app)
    await user.say("/start")
    await user.press("f:consent:yes")
    await user.press("f:interests:umwelt")
    await user.press("f:interests:done")
    radius = await user.say("52062")
    assert "f:radius:5" in [d for s in radius for _, d in s.buttons], text(radius)
    asked = await user.say("5")
    assert any(d.startswith("f:availability:") for s in asked for _, d in s.buttons), text(asked)
    await user.press("f:availability:weekend")
    await user.press("f:availability:done")
    await user.press("f:qualifications:done")
    done = await user.press("f:alerts:no")
    assert "5 km" in text(done) and "10 km" not in text(done)


async def test_onboarding_by_one_sentence(app, bot_for, user: ChatUser):
    await bot_for(app)
    await user.say("Hallo")
    await user.say("ja")
    readback = await user.say("Ich möchte samstags vormittags in Burtscheid mit Kindern helfen")
    shown = text(readback)
    for part in ("gemerkt", "Kinder", "Burtscheid", "Sa vormittags", "Das könnte zu dir passen"):
        assert part in shown


async def onboard(user: ChatUser) -> None:
    await user.say("Hallo")
    await user.say("ja")
    await user.say("Ich möchte samstags vormittags in Burtscheid mit Kindern helfen")


async def test_deep_link_opens_the_need(app, bot_for, user: ChatUser):
    need = await published_need(app)
    await bot_for(app)
    shown = await user.say(f"/start need_{need.id}")
    assert need.title in text(shown)
    assert any(data == f"need:{need.id}:signup" for s in shown for _, data in s.buttons)


async def test_signup_receives_ics_document(app, bot_for, user: ChatUser):
    need = await published_need(app)
    await bot_for(app)
    await onboard(user)
    await user.say(f"/start need_{need.id}")
    sent = await user.press(f"need:{need.id}:signup")
    documents = [s for s in sent if s.method == "sendDocument"]
    assert documents, text(sent)
    assert documents[0].filename.endswith(".ics")
    assert b"BEGIN:VCALENDAR" in documents[0].content


async def test_organisation_title_with_script_arrives_escaped(app, bot_for, user: ChatUser):
    need = await published_need(app)
    evil = '<script>alert("x")</script> Tafel & Co'
    async with app.db.transaction() as session:
        await session.execute(update(Need).where(Need.id == need.id).values(title=evil))
        await session.execute(
            update(Organisation).where(Organisation.id == need.organisation_id).values(name=evil)
        )
    await bot_for(app)
    shown = await user.say(f"/start need_{need.id}")  # the fake refuses unescaped HTML with 400
    assert evil in text(shown)  # shown literally, as text
    assert any("&lt;script&gt;" in (s.text or "") for s in shown)


async def test_restart_between_two_turns_continues(
    app, bot_for, user: ChatUser, sqlite_db, clock, tenants, tmp_path
):
    channel = await bot_for(app)
    await user.say("/start")
    await user.press("f:consent:yes")
    await user.press("f:interests:umwelt")
    await channel.stop()
    # a new process: new App and engine on the same database, a new bot
    app2 = await make_app(sqlite_db, clock, tenants, tmp_path)
    await bot_for(app2)
    asked = await user.press("f:interests:done")
    assert any(s.requests_location for s in asked), text(asked)


async def test_old_button_pressed_after_restart(
    app, bot_for, user: ChatUser, tg_bot: FakeBot, sqlite_db, clock, tenants, tmp_path
):
    channel = await bot_for(app)
    welcome = [s for s in await user.say("/start") if s.buttons][-1]
    await user.press("f:consent:yes")
    await user.press("f:interests:umwelt")
    await channel.stop()
    app2 = await make_app(sqlite_db, clock, tenants, tmp_path)
    await bot_for(app2)
    # the consent button of the very first message, long answered
    mark = len(tg_bot.answers)
    sent = await user.press("f:consent:no", message=welcome)
    assert len(tg_bot.answers) == mark + 1  # the press was answered: no endless spinner
    # politely back to where the conversation stands (the interests question)
    assert "Wofür" in text(sent) and "Traceback" not in text(sent)


async def test_blocked_user_is_marked_unreachable(app, bot_for, user: ChatUser, tg_bot: FakeBot):
    channel = await bot_for(app)
    await onboard(user)
    tg_bot.blocked.add(user.chat_id)
    delivery = await channel.notify("aachen", "telegram:4711", [Reply("Erinnerung")])
    assert delivery is Delivery.UNREACHABLE
    person = await person_for_identity(app.db, "telegram:4711", "aachen")
    assert await identities_of(app.db, person.id) == [("telegram:4711", False)]


# The burst of 200 notifications is tested in test_telegram_adapter.py: notify()
# does not pass through the engine, so the real App would add only time.


async def test_one_telegram_user_in_two_municipalities_bots_is_two_people(
    app: App, fake: FakeBotAPI, clock: FixedClock
) -> None:
    """Issue 11, finding 2: the same Telegram id in Aachen's and Stolberg's
    bots. Stolberg's bot knows nothing of the Aachen conversation, asks for
    its own consent, and after it there are two people."""
    from core.models import Identity, Person
    from tests.bots.telegram.harness import OTHER_TOKEN

    users: dict[str, ChatUser] = {}
    channels: list[TelegramChannel] = []
    for slug, token in (("aachen", TOKEN), ("stolberg", OTHER_TOKEN)):
        bot = fake.bots.get(token) or fake.add_bot(token, f"Engagement{slug}Bot")
        done = Handled()
        tenant = replace(
            app.tenants[slug],
            telegram=TelegramConfig(
                token_env=f"{slug.upper()}_TELEGRAM_TOKEN", api_base_url=fake.url
            ),
        )
        channel = TelegramChannel(
            tenant, app.engine, token, None, polling_timeout=2.0, on_handled=done
        )
        await channel.start()
        channels.append(channel)
        users[slug] = ChatUser(bot, done)  # the same chat id 4711 in both
    try:
        await users["aachen"].say("/start")
        asked = await users["aachen"].press("f:consent:yes")
        assert "Wofür" in text(asked)

        welcome = await users["stolberg"].say("/start")
        assert "f:consent:yes" in [d for s in welcome for _, d in s.buttons], text(welcome)
        assert await person_for_identity(app.db, "telegram:4711", "stolberg") is None
        await users["stolberg"].press("f:consent:yes")
        # Aachen's conversation goes on where it was: the interests question.
        assert "f:interests:done" in [
            d for s in await users["aachen"].press("f:interests:umwelt") for _, d in s.buttons
        ]
    finally:
        for channel in channels:
            await channel.stop()
    async with app.db.sessions() as session:
        people = (
            await session.execute(
                select(Person.tenant_id).join(Identity, Identity.person_id == Person.id)
                .where(Identity.key == "telegram:4711")
            )
        ).scalars().all()  # fmt: skip
    assert sorted(people) == sorted([app.tenant_ids["aachen"], app.tenant_ids["stolberg"]])
