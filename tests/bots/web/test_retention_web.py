"""Retention of what the web keeps (issue 11, finding 6): web chat visitors
who never consent, "start over", and rate-limit rows with salted hashes."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import func, select

from core.models import ConversationState, Identity, RateLimitHit, WebChatLine
from core.reminders.housekeeping import run_housekeeping
from core.services.retention import RATE_LIMIT_KEEP, UNCONSENTED_KEEP
from tests.bots.web.conftest import Web
from tests.bots.web.helpers import csrf_of
from tests.bots.web.test_chat import BUTTON, say


async def _held(web: Web) -> dict[str, tuple[int, int]]:
    """identity -> (states, transcript lines) as stored."""
    async with web.app.db.sessions() as session:
        states = dict(
            (
                await session.execute(
                    select(ConversationState.identity, func.count()).group_by(
                        ConversationState.identity
                    )
                )
            ).all()
        )
        lines = dict(
            (
                await session.execute(
                    select(WebChatLine.identity, func.count()).group_by(WebChatLine.identity)
                )
            ).all()
        )
    return {k: (states.get(k, 0), lines.get(k, 0)) for k in states.keys() | lines.keys()}


async def test_visitors_who_never_consent_are_forgotten_after_a_quiet_week(web_app: Web):
    await web_app.client.get("/t/aachen/chat")  # a visit stores a state and a greeting
    await say(web_app, text="Hallo, ich heiße Greta")
    consenting = web_app.new_client()
    page = (await consenting.get("/t/aachen/chat")).text
    consent = next(p for p, _ in BUTTON.findall(page) if p.endswith("consent:yes"))
    token = await csrf_of(consenting, "/t/aachen/chat")
    await consenting.post("/t/aachen/chat", data={"csrf": token, "button": consent})
    async with web_app.app.db.sessions() as session:
        (member,) = (await session.scalars(select(Identity.key))).all()
    held = await _held(web_app)
    assert len(held) == 2 and all(s == 1 and n > 0 for s, n in held.values())

    web_app.clock.advance(UNCONSENTED_KEEP - timedelta(minutes=1))
    await run_housekeeping(web_app.app.db, web_app.clock.now())
    assert len(await _held(web_app)) == 2  # not yet

    web_app.clock.advance(timedelta(minutes=2))
    await run_housekeeping(web_app.app.db, web_app.clock.now())
    held = await _held(web_app)
    assert list(held) == [member]  # the person who consented keeps theirs
    page = (await web_app.client.get("/t/aachen/chat")).text
    assert "Greta" not in page


async def test_start_over_forgets_the_conversation_state_too(web_app: Web):
    await say(web_app, text="Hallo Bot")
    (before,) = await _held(web_app)
    token = await csrf_of(web_app.client, "/t/aachen/chat")
    await web_app.client.post("/t/aachen/chat/reset", data={"csrf": token})
    assert before not in await _held(web_app)


async def test_rate_limit_rows_are_salted_and_purged(web_app: Web):
    for _ in range(2):
        await web_app.post("/t/aachen/login", {"email": "a@example.org", "password": "wrong"})
    async with web_app.app.db.sessions() as session:
        keys = (await session.scalars(select(RateLimitHit.key))).all()
    assert keys
    for ip in ("127.0.0.1", "testclient", "a@example.org"):  # unsalted guesses find nothing
        guess = hashlib.sha256(ip.encode()).hexdigest()[:40]
        assert not any(key.endswith(guess) for key in keys)

    web_app.clock.advance(RATE_LIMIT_KEEP + timedelta(minutes=1))
    await run_housekeeping(web_app.app.db, web_app.clock.now())
    async with web_app.app.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(RateLimitHit)) == 0
