"""Test helpers for the Telegram adapter: a tenant pointing at the Bot API fake,
a scripted engine, and a person speaking in one chat."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from core.tenants import TelegramConfig, TenantConfig, parse_tenant
from dialogue.messages import Attachment, Button, Incoming, Reply
from tests.bots.telegram.fake_bot_api import FakeBot, Sent

TOKEN = "111111:AAH-aachen-test-token-0123456789"
OTHER_TOKEN = "222222:AAH-stolberg-test-token-987654321"


def make_tenant(api_url: str, slug: str = "aachen", **telegram: str) -> TenantConfig:
    tenant = parse_tenant(
        {
            "slug": slug,
            "name": f"Stadt {slug.title()}",
            "languages": ["de", "en"],
            "region": {"center": [50.7753, 6.0839]},
            "branding": {
                "bot_name": f"Engagement-Bot {slug.title()}",
                "description": "Finde ein Ehrenamt, das zu dir passt.",
                "short_description": "Ehrenamt finden und mitmachen.",
            },
        }
    )
    config = TelegramConfig(
        token_env=f"{slug.upper()}_TELEGRAM_TOKEN", api_base_url=api_url, **telegram
    )
    return replace(tenant, telegram=config)


def journey(incoming: Incoming) -> list[Reply]:
    """The fixed answers of the scripted engine the Telegram tests talk to:
    ``ScriptedEngine(journey)`` (``tests.fakes``)."""
    if incoming.command == "start":
        if incoming.args.startswith("need_"):
            return [
                Reply(
                    f"<b>Bedarf {incoming.args[5:]}</b>",
                    buttons=(Button("Mitmachen", "need:42:signup"),),
                )
            ]
        return [
            Reply(
                "Hallo! Wobei möchtest du helfen?",
                buttons=(
                    Button("🌳 Umwelt", "cat:umwelt"),
                    Button("🐾 Tiere", "cat:tiere"),
                    Button("Weiter", "page:2"),
                ),
                buttons_per_row=2,
            )
        ]
    if incoming.command is not None:
        return [Reply(f"Befehl {incoming.command}")]
    if incoming.location is not None:
        return [Reply(f"Standort {incoming.location.lat:.2f}, {incoming.location.lon:.2f}")]
    if incoming.button is not None:
        if incoming.button == "page:2":
            return [Reply("Seite 2", buttons=(Button("Zurück", "page:1"),), edit=True)]
        if incoming.button == "page:1":
            return [Reply("Seite 1", buttons=(Button("Weiter", "page:2"),), edit=True)]
        if incoming.button == "need:42:signup":
            ics = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
            return [
                Reply(
                    "Du bist dabei!",
                    attachments=(Attachment("einsatz.ics", "text/calendar", ics),),
                )
            ]
        if incoming.button.startswith("cat:"):
            return [Reply("Wo wohnst du?", request_location=True)]
        return [Reply("Dieser Knopf ist nicht mehr aktuell.")]
    text = incoming.text or ""
    if text == "lang":
        return [Reply("\n".join(f"<b>Zeile {i}</b> " + "x" * 60 for i in range(300)))]
    if text == "knöpfe und ort":
        return [
            Reply(
                "Wähle oder teile deinen Ort",
                buttons=(Button("Aachen", "place:ac"),),
                request_location=True,
            )
        ]
    if text == "zu lang":
        return [Reply("Achtung", buttons=(Button("Lang", "x" * 80),))]
    return [Reply(f"Echo: {text}")]


@dataclass
class Handled:
    """Update ids the channel finished, to wait on instead of sleeping."""

    ids: set[int] = field(default_factory=set)
    cond: asyncio.Condition = field(default_factory=asyncio.Condition)

    def __call__(self, update_id: int) -> None:
        self.ids.add(update_id)

        async def notify() -> None:
            async with self.cond:
                self.cond.notify_all()

        asyncio.get_running_loop().create_task(notify())

    async def wait(self, update_id: int, within: float = 10.0) -> None:
        async with asyncio.timeout(within), self.cond:
            await self.cond.wait_for(lambda: update_id in self.ids)


@dataclass
class ChatUser:
    """One person in a private chat with the bot."""

    bot: FakeBot
    handled: Handled
    chat_id: int = 4711
    language: str | None = "de"

    async def _turn(self, inject: Callable[[], int]) -> list[Sent]:
        mark = len(self.bot.sent)
        update_id = inject()
        await self.handled.wait(update_id)
        return self.bot.sent_to(self.chat_id, mark)

    async def say(self, text: str) -> list[Sent]:
        return await self._turn(
            lambda: self.bot.user_message(self.chat_id, text, language=self.language)
        )

    async def press(
        self, payload: str | None = None, *, label: str | None = None, message: Sent | None = None
    ) -> list[Sent]:
        return await self._turn(
            lambda: self.bot.press(
                self.chat_id, payload, label=label, message=message, language=self.language
            )[0]
        )

    async def share_location(self, lat: float, lon: float) -> list[Sent]:
        return await self._turn(
            lambda: self.bot.location(self.chat_id, lat, lon, language=self.language)
        )

    async def share_venue(self, lat: float, lon: float, title: str) -> list[Sent]:
        return await self._turn(
            lambda: self.bot.venue(self.chat_id, lat, lon, title, "Markt 1", language=self.language)
        )


def texts_of(sent: Sequence[Sent]) -> list[str]:
    return [s.plain or "" for s in sent if s.method != "sendDocument"]
