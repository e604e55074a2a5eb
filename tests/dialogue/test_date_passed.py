"""Issue 14: in the chat, a need whose (last) date has passed says "Termin
vorbei" in its detail and offers no sign-up; a weekly need names its next
date, not its first one."""

from __future__ import annotations

from datetime import time, timedelta

from bots.bootstrap import App
from core.schedule import Weekly
from tests.conftest import NOW
from tests.dialogue.harness import Conversation
from tests.dialogue.test_org_needs import consent, org_member, published_need


async def test_the_detail_of_a_past_need_says_termin_vorbei_without_sign_up(app: App) -> None:
    app.clock.set(NOW)  # type: ignore[attr-defined]
    member = Conversation(app, identity="test:org")
    org_id = await org_member(app, member)
    need_id = await published_need(app, org_id, title="Flohmarkt aufbauen")  # in 3 days
    volunteer = Conversation(app, identity="test:vol")
    await consent(volunteer)

    await volunteer.press(f"need:{need_id}")
    assert "Termin vorbei" not in volunteer.text
    assert f"need:{need_id}:signup" in volunteer.payloads()

    app.clock.set(NOW + timedelta(days=4))  # type: ignore[attr-defined]
    await volunteer.press(f"need:{need_id}", now=NOW + timedelta(days=4))
    assert "Flohmarkt aufbauen" in volunteer.text
    assert "Termin vorbei" in volunteer.text, volunteer.text
    assert not [p for p in volunteer.payloads() if p.endswith(":signup")]
    assert "Plätzen frei" not in volunteer.text


async def test_a_weekly_need_shows_its_next_date(app: App) -> None:
    app.clock.set(NOW)  # type: ignore[attr-defined]
    member = Conversation(app, identity="test:org")
    org_id = await org_member(app, member)
    weekly = Weekly(("mi",), time(15), time(17))
    need_id = await published_need(app, org_id, title="Lesepaten", weekly=weekly)
    volunteer = Conversation(app, identity="test:vol")
    await consent(volunteer)

    later = NOW + timedelta(days=15)
    app.clock.set(later)  # type: ignore[attr-defined]
    await volunteer.press(f"need:{need_id}", now=later)
    # Tuesday 1 December plus 15 days is Wednesday 16 December, before 15:00
    assert "nächster Termin Mi., 16. Dez., 15:00" in volunteer.text, volunteer.text
    assert "2. Dez." not in volunteer.text  # not the first date
    assert "Zeit nach Absprache" not in volunteer.text
    assert f"need:{need_id}:signup" in volunteer.payloads()


async def test_signing_up_after_the_date_says_termin_vorbei_with_matches(app: App) -> None:
    """An old "Mitmachen" pressed once the date is over: "Termin vorbei" and
    what fits instead, not the general "sign-up is closed"."""
    app.clock.set(NOW)  # type: ignore[attr-defined]
    member = Conversation(app, identity="test:org")
    org_id = await org_member(app, member)
    need_id = await published_need(app, org_id, title="Flohmarkt aufbauen")  # in 3 days
    volunteer = Conversation(app, identity="test:vol")
    await consent(volunteer)
    await volunteer.press(f"need:{need_id}")
    assert f"need:{need_id}:signup" in volunteer.payloads()

    later = NOW + timedelta(days=4)
    app.clock.set(later)  # type: ignore[attr-defined]
    await volunteer.press(f"need:{need_id}:signup", now=later)
    assert "Termin vorbei" in volunteer.text, volunteer.text
    assert "Flohmarkt aufbauen" in volunteer.text
    assert "nicht mehr anmelden" in volunteer.text
    assert "Für dieses Angebot kann man sich nicht mehr anmelden" not in volunteer.text
    assert "menu:matches" in volunteer.payloads()

    # Someone who has not consented yet is not asked for consent first.
    stranger = Conversation(app, identity="test:new")
    await stranger.press(f"need:{need_id}:signup", now=later)
    assert "Termin vorbei" in stranger.text, stranger.text
    assert "f:consent:yes" not in stranger.payloads()
    assert "menu:matches" in stranger.payloads()


async def test_signing_up_after_the_date_in_english(app: App) -> None:
    app.clock.set(NOW)  # type: ignore[attr-defined]
    member = Conversation(app, identity="test:org")
    org_id = await org_member(app, member)
    need_id = await published_need(app, org_id, title="Flohmarkt aufbauen")
    volunteer = Conversation(app, identity="test:vol", language_hint="en")
    await consent(volunteer)
    later = NOW + timedelta(days=4)
    app.clock.set(later)  # type: ignore[attr-defined]
    await volunteer.press(f"need:{need_id}:signup", now=later)
    assert "This date has passed" in volunteer.text, volunteer.text
