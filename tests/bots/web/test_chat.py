"""The web chat: the real dialogue engine behind a form post per message;
buttons are submit buttons; location comes as two fields; the identity is
``web:<id>`` from the session cookie."""

from __future__ import annotations

import re

from core.services.people import person_for_identity
from tests.bots.web.conftest import Web
from tests.bots.web.helpers import csrf_of

BUTTON = re.compile(r'<button type="submit" name="button" value="([^"]+)">([^<]+)</button>')


async def say(web: Web, **data: str) -> str:
    token = await csrf_of(web.client, "/t/aachen/chat")
    response = await web.client.post("/t/aachen/chat", data={"csrf": token, **data})
    assert response.status_code == 303
    page = await web.client.get("/t/aachen/chat")
    assert page.status_code == 200
    return page.text


async def test_opening_the_chat_greets_and_offers_buttons(web_app: Web):
    page = await web_app.client.get("/t/aachen/chat")
    assert page.status_code == 200
    assert 'class="line bot"' in page.text
    assert BUTTON.search(page.text), "the greeting offers choices as submit buttons"
    assert '<script src="/static/chat.js" defer></script>' in page.text


async def test_pressing_a_button_and_typing_reach_the_engine(web_app: Web):
    page = await web_app.client.get("/t/aachen/chat")
    payload, label = BUTTON.findall(page.text)[0]
    after = await say(web_app, button=payload)
    # The pressed button shows as the person's own line, with its label.
    assert f'<div class="bubble">{label}</div>' in after
    typed = await say(web_app, text="Hilfe")
    assert '<div class="bubble">Hilfe</div>' in typed
    assert typed.count('class="line bot"') >= 3


async def test_chat_identity_is_kept_by_the_cookie_and_differs_per_browser(web_app: Web):
    await web_app.client.get("/t/aachen/chat")
    other = web_app.new_client()
    mine = await web_app.client.get("/t/aachen/chat")
    theirs = await other.get("/t/aachen/chat")
    await say(web_app, text="Hallo Bot")
    assert "Hallo Bot" in (await web_app.client.get("/t/aachen/chat")).text
    assert "Hallo Bot" not in (await other.get("/t/aachen/chat")).text
    assert mine.status_code == theirs.status_code == 200


async def test_what_a_person_types_is_escaped(web_app: Web):
    page = await say(web_app, text="<img src=x onerror=alert(1)>")
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


async def test_consenting_in_the_web_chat_creates_a_web_identity(web_app: Web):
    """The greeting asks for consent; saying yes registers the person under
    this browser's web identity."""
    page = (await web_app.client.get("/t/aachen/chat")).text
    buttons = BUTTON.findall(page)
    consent = next(p for p, _ in buttons if p.endswith("consent:yes"))
    page = await say(web_app, button=consent)
    from core.models import Identity

    async with web_app.app.db.sessions() as session:
        from sqlalchemy import select

        keys = (await session.scalars(select(Identity.key))).all()
    chat_id = next((k for k in keys if k.startswith("web:")), None)
    assert chat_id is not None, f"no web identity after consent; buttons were {buttons}"
    assert await person_for_identity(web_app.app.db, chat_id, "aachen") is not None


async def test_start_over_forgets_the_transcript(web_app: Web):
    await say(web_app, text="Hallo Bot")
    token = await csrf_of(web_app.client, "/t/aachen/chat")
    await web_app.client.post("/t/aachen/chat/reset", data={"csrf": token})
    page = await web_app.client.get("/t/aachen/chat")
    assert "Hallo Bot" not in page.text


async def test_typing_five_at_the_radius_prompt_is_five_km(web_app: Web):
    """Issue 12: at "2 km / 5 km / 10 km / 25 km, Zurück, Abbrechen" a typed
    "5" is 5 km (``dialogue.choices``), not the fifth button."""
    from sqlalchemy import select

    from core.models import ConversationState

    await say(web_app, text="1")  # the first button: consent
    page = await say(web_app, button="f:interests:umwelt")
    page = await say(web_app, button="f:interests:done")
    page = await say(web_app, text="52062")
    assert "f:radius:5" in dict(BUTTON.findall(page))
    page = await say(web_app, text="5")
    assert any(p.startswith("f:availability:") for p, _ in BUTTON.findall(page))
    async with web_app.app.db.sessions() as session:
        rows = (await session.scalars(select(ConversationState))).all()
    radii = [row.data["slots"].get("radius") for row in rows if row.identity.startswith("web:")]
    assert radii == [5.0], radii


async def test_the_web_chat_asks_once_for_the_name_organisations_see(web_app: Web):
    """The web knows no first name: the question is asked (typed or skipped)
    as in Telegram and Matrix, and the name is what the organisation sees."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from core.models import Organisation, OrgKind
    from core.services.needs import NeedInput, moderate, post_need
    from core.services.organisations import signups_of

    app, now = web_app.app, web_app.clock.now()
    async with app.db.transaction() as session:
        org = Organisation(
            tenant_id=app.tenant_ids["aachen"], name="Tafel", kind=OrgKind.VEREIN,
            verified=True, created_at=now,
        )  # fmt: skip
        session.add(org)
        await session.flush()
        org_id = org.id
    ref = await post_need(
        app.db, organisation_id=org_id,
        data=NeedInput(title="Regale einräumen", category="soziales", place="Burtscheid",
                       starts_at=now + timedelta(days=2), ends_at=now + timedelta(days=2, hours=2)),
        taxonomy=app.taxonomy, places=app.places, now=now, tz=ZoneInfo("Europe/Berlin"),
        actor="test",
    )  # fmt: skip
    await moderate(app.db, ref.id, approve=True, reason=None, actor="test", now=now)

    page = (await web_app.client.get("/t/aachen/chat")).text
    consent = next(p for p, _ in BUTTON.findall(page) if p.endswith("consent:yes"))
    await say(web_app, button=consent)
    page = await say(web_app, button=f"need:{ref.id}:signup")
    assert "Unter welchem Namen" in page
    assert "f:name:skip" in page and "f:name:first" not in page  # no name to offer
    page = await say(web_app, text="Anna")
    assert "„Anna“" in page
    (signup,) = await signups_of(app.db, org_id, ref.id)
    assert signup.name == "Anna"
