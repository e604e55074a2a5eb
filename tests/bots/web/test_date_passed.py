"""Issue 14: a need whose (last) date has passed says "Termin vorbei" and
offers no sign-up, on its public page and the organisation's page; a weekly
need names its next date (not its first one)."""

from __future__ import annotations

from datetime import timedelta

from core.services import moderation
from tests.bots.web.conftest import Web
from tests.bots.web.helpers import BERLIN, post_need, sign_up_organisation


async def _approve(web: Web, need_id: int) -> None:
    await moderation.review(
        web.app.db, web.app.tenant_ids["aachen"], need_id, approve=True, reason="",
        actor="test", now=web.clock.now(),
    )  # fmt: skip


async def test_a_past_need_says_termin_vorbei_and_offers_no_sign_up(web_app: Web) -> None:
    org = await sign_up_organisation(web_app)
    need_id = await post_need(web_app, org, title="Laub fegen")  # in four days, 10–14
    await _approve(web_app, need_id)
    public = web_app.new_client()
    before = await public.get(f"/t/aachen/needs/{need_id}")
    assert "Termin vorbei" not in before.text and "Im Web-Chat anmelden" in before.text

    web_app.clock.advance(timedelta(days=5))
    page = await public.get(f"/t/aachen/needs/{need_id}")
    assert page.status_code == 200  # a shared link still shows what it was
    assert "Termin vorbei" in page.text
    assert "Dieser Termin ist vorbei, anmelden geht nicht mehr." in page.text
    assert "Im Web-Chat anmelden" not in page.text and "/chat?start=" not in page.text
    own = await org.get(f"/t/aachen/org/needs/{need_id}")
    assert "Termin vorbei" in own.text
    dashboard = await org.get("/t/aachen/org/")
    assert "Termin vorbei" in dashboard.text


async def test_a_past_need_in_english(web_app: Web) -> None:
    org = await sign_up_organisation(web_app)
    need_id = await post_need(web_app, org)
    await _approve(web_app, need_id)
    web_app.clock.advance(timedelta(days=5))
    public = web_app.new_client()
    page = await public.get(f"/t/aachen/needs/{need_id}", headers={"Accept-Language": "en"})
    assert "This date has passed" in page.text


async def test_a_weekly_need_shows_its_next_date(web_app: Web) -> None:
    org = await sign_up_organisation(web_app)
    until = (web_app.clock.now().astimezone(BERLIN) + timedelta(days=60)).date().isoformat()
    need_id = await post_need(
        web_app, org, title="Hausaufgabenhilfe", category="bildung", schedule="weekly",
        days=["mi"], weekly_start="15:00", weekly_end="17:00", valid_until=until,
    )  # fmt: skip
    await _approve(web_app, need_id)
    public = web_app.new_client()
    first = await public.get(f"/t/aachen/needs/{need_id}")
    assert "nächster Termin" in first.text
    web_app.clock.advance(timedelta(days=14))  # two Wednesdays later
    later = await public.get(f"/t/aachen/needs/{need_id}")
    now = web_app.clock.now().astimezone(BERLIN)
    next_wednesday = now + timedelta(days=(2 - now.weekday()) % 7 or 7)
    assert f"{next_wednesday.day}." in later.text.split("nächster Termin")[1][:30], later.text
    assert "Zeit nach Absprache" not in later.text and "Termin vorbei" not in later.text
