"""Golden conversations: every ``*.yml`` here, run through the engine.

The format is described at the top of ``onboarding_buttons.yml``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from bots.bootstrap import App
from bots.console import ConsoleSession, load_texts, render_replies
from bots.matrix.render import Offer, message_content, offer, strip_reply_fallback, typed
from bots.telegram.render import inline_keyboard, split_text
from bots.telegram.translate import to_incoming
from bots.web.notify import reply_line
from core.clock import FixedClock
from core.db import Database
from core.models import Membership, Organisation, Role
from core.services.demo import seed_demo
from core.services.people import person_for_identity
from core.tenants import TenantConfig
from dialogue.choices import press
from dialogue.markup import to_plain
from dialogue.messages import Incoming, Reply
from dialogue.state import DialogueState
from tests.dialogue.conftest import make_app
from tests.dialogue.harness import Conversation

HERE = Path(__file__).parent
SCENARIOS = sorted(HERE.glob("*.yml"))
LOADED = {p: yaml.safe_load(p.read_text(encoding="utf-8")) for p in SCENARIOS}


def rendered(replies: list[Reply], tenant: TenantConfig) -> dict[str, tuple[str, list[Offer]]]:
    """A turn's replies as each channel's renderer puts them on the screen:
    (plain text, offered (label, payload)) per channel."""
    console = render_replies(replies, load_texts(tenant))
    telegram_text: list[str] = []
    telegram_buttons: list[Offer] = []
    matrix_text: list[str] = []
    web_text: list[str] = []
    web_buttons: list[Offer] = []
    for reply in replies:
        telegram_text += [to_plain(chunk) for chunk in split_text(reply.text)]
        keyboard = inline_keyboard(reply.buttons, reply.buttons_per_row)
        for row in keyboard.inline_keyboard if keyboard else ():
            telegram_buttons += [(b.text, str(b.callback_data)) for b in row]
        matrix_text.append(str(message_content(reply)["body"]))
        line = reply_line(reply)
        web_text.append(to_plain(line.html))
        web_buttons += list(line.buttons)
    # Matrix offers its buttons as a numbered list in the body; what a number
    # presses is the payload behind that line.
    matrix_buttons = [(b.label, b.payload) for r in replies for b in r.buttons]
    return {
        "console": (console.text, [(b.label, b.payload) for b in console.offered]),
        "telegram": ("\n".join(telegram_text), telegram_buttons),
        "matrix": ("\n".join(matrix_text), matrix_buttons),
        "web": ("\n".join(web_text), web_buttons),
    }


def _telegram_message(text: str) -> Any:
    from telegram import Update

    chat = {"id": 4711, "type": "private"}
    message = {"message_id": 1, "date": 0, "chat": chat, "text": text}
    message["from"] = {"id": 4711, "is_bot": False, "first_name": "Heinrich"}
    return Update.de_json({"update_id": 1, "message": message}, None)  # type: ignore[arg-type]


def presses(
    text: str, replies: list[Reply], state: DialogueState, tenant: TenantConfig
) -> dict[str, str | None]:
    """What typing ``text`` after ``replies`` presses in each channel (None:
    it reaches the engine as text and presses nothing there either).

    Channels with buttons (Telegram, web chat) hand typed text to the engine,
    which presses by the state it kept; channels without (console, Matrix)
    press by the offer they showed. All of them use ``dialogue.choices``."""

    def through_engine(incoming: Incoming | None) -> str | None:
        # What the engine does with typed text (``Engine._normalise``): the
        # rule over the buttons it kept in the conversation state.
        assert incoming is not None and incoming.text is not None, incoming
        return press(incoming.text, state.buttons)

    console = ConsoleSession(
        engine=None,  # type: ignore[arg-type]
        tenant=tenant.slug,
        identity="console:u1",
        texts=load_texts(tenant),
        attachments_dir=Path("/nonexistent"),
        offered=render_replies(replies, load_texts(tenant)).offered,
    )
    at_console = console.translate(text)
    assert isinstance(at_console, Incoming) and at_console.command is None, at_console
    at_matrix = typed(
        strip_reply_fallback(text), offer(replies), identity="matrix:@u1:x", tenant="t"
    )
    assert at_matrix is not None and at_matrix.command is None, at_matrix
    web = text.strip()  # as bots/web/routes/chat.py reads the form
    return {
        "engine": press(text, state.buttons),
        "console": at_console.button,
        "matrix": at_matrix.button,
        "telegram": through_engine(to_incoming(_telegram_message(text), tenant.slug, None)),
        "web": through_engine(Incoming(identity="web:x", tenant=tenant.slug, text=web)),
    }


def _check(name: str, i: int, conv: Conversation, expect: dict[str, Any], flow: Any) -> None:
    where = f"{name} step {i + 1}"
    assert conv.replies, f"{where}: no reply"
    for reply in conv.replies:  # one button per payload: no choice offered twice
        payloads = [b.payload for b in reply.buttons]
        assert len(payloads) == len(set(payloads)), f"{where}: a button twice in {payloads}"
    channels = {"engine": (conv.text, conv.buttons), **rendered(conv.replies, conv.tenant_config)}
    for channel, (shown, buttons) in channels.items():
        at = f"{where} [{channel}]"
        text = shown.casefold()
        assert "traceback" not in text, at
        for wanted in expect.get("text_contains", []):
            assert wanted.casefold() in text, f"{at}: {wanted!r} not in {shown!r}"
        for unwanted in expect.get("text_not_contains", []):
            assert unwanted.casefold() not in text, f"{at}: {unwanted!r} in {shown!r}"
        labels_and_payloads = {x for pair in buttons for x in pair}
        for wanted in expect.get("buttons_include", []):
            assert wanted in labels_and_payloads or any(wanted in label for label, _ in buttons), (
                f"{at}: button {wanted!r} not in {buttons}"
            )
        for label, _ in buttons:  # what a plain channel shows is what can be pressed
            if channel in ("console", "matrix"):
                assert to_plain(label) in shown, f"{at}: button {label!r} not shown"
    if "attachment" in expect:
        names = [a.filename for r in conv.replies for a in r.attachments]
        assert any(n.endswith(expect["attachment"]) for n in names), f"{where}: {names}"
    if "request_location" in expect:
        assert any(r.request_location for r in conv.replies) == expect["request_location"], where
    if "state_flow" in expect:
        assert flow == expect["state_flow"], f"{where}: flow {flow!r}"


def _pick(conv: Conversation, wanted: str) -> str:
    buttons = conv.buttons
    for _, payload in buttons:
        if payload == wanted:
            return payload
    for label, payload in buttons:
        if wanted.casefold() in label.casefold():
            return payload
    for _, payload in buttons:
        if wanted in payload:
            return payload
    raise AssertionError(f"no button like {wanted!r} in {buttons}")


async def _link(app: App, identity: str, tenant: str, organisation: str, now: datetime) -> None:
    person = await person_for_identity(app.db, identity, tenant)
    assert person is not None, "setup member_of needs a person (consent first)"
    async with app.db.transaction() as session:
        org = (
            await session.execute(select(Organisation).where(Organisation.name == organisation))
        ).scalar_one()
        session.add(
            Membership(
                tenant_id=org.tenant_id,
                organisation_id=org.id,
                person_id=person.id,
                role=Role.MEMBER,
                created_at=now,
            )
        )


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
async def test_conversation(
    path: Path,
    sqlite_db: Database,
    clock: FixedClock,
    tenants: dict[str, TenantConfig],
    tmp_path: Path,
) -> None:
    scenario = LOADED[path]
    if scenario.get("now"):
        clock.set(datetime.fromisoformat(scenario["now"]))
    app = await make_app(sqlite_db, clock, tenants, tmp_path)
    if scenario.get("demo", True):
        await seed_demo(
            sqlite_db,
            tenants=app.tenants,
            tenant_ids=app.tenant_ids,
            taxonomy=app.taxonomy,
            places=app.places,
            now=clock.now(),
        )
    tenant = scenario.get("tenant", "aachen")
    people: dict[str, Conversation] = {}
    for i, step in enumerate(scenario["steps"]):
        user = str(step.get("user", "u1"))
        conv = people.setdefault(
            user,
            Conversation(
                app,
                identity=f"test:{user}",
                tenant=tenant,
                language_hint=scenario.get("language_hint", "de"),
            ),
        )
        if step.get("now"):
            clock.set(datetime.fromisoformat(step["now"]))
        if step.get("restart"):
            app = await make_app(sqlite_db, clock, tenants, tmp_path)
            for other in people.values():
                other.app = app
            continue
        if "setup" in step:
            await _link(app, conv.identity, tenant, step["setup"]["member_of"], clock.now())
            continue
        if "text" in step:
            typed = str(step["text"])
            if conv.replies:
                pressed = presses(typed, conv.replies, await conv.state(), conv.tenant_config)
                wanted = step.get("expect", {}).get("pressed", pressed["engine"])
                assert pressed == dict.fromkeys(pressed, wanted), (
                    f"{path.name} step {i + 1}: {typed!r} presses {pressed}"
                )
            await conv.say(typed)
        elif "button" in step:
            await conv.send(conv._incoming(button=str(step["button"])))
        elif "press" in step:
            await conv.send(conv._incoming(button=_pick(conv, str(step["press"]))))
        elif "location" in step:
            await conv.share_location(step["location"]["lat"], step["location"]["lon"])
        elif "command" in step:
            await conv.command(str(step["command"]), str(step.get("args", "")))
        else:
            raise AssertionError(f"{path.name} step {i + 1}: no input")
        flow = (await conv.state()).flow
        _check(path.name, i, conv, step.get("expect") or {}, flow)
