"""A person's private calendar subscription (issue 14.6).

Luisa signs up for a one-off Tafel date and a weekly Hausaufgabenhilfe that
runs until February. Her private feed at ``/t/aachen/me/calendar/<token>.ics``
carries both under the needs' UIDs, the series with its end (``UNTIL``);
after she withdraws from the Tafel it shows as ``STATUS:CANCELLED`` with a
higher ``SEQUENCE``. Only a hash of the token is stored; a renewed link
replaces the old one (404), and another municipality's address opens
nothing. Someone using only the web chat makes and renews the link on the
chat page, and it is shown once, in the chat.
"""

from __future__ import annotations

import hashlib
import html
import re
from datetime import time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.models import CalendarLink
from core.schedule import Weekly
from core.services import calendar_links
from core.services.needs import NeedInput, moderate, post_need
from core.services.people import register_with_consent
from core.services.signup import sign_up, withdraw
from tests.bots.web.conftest import Web
from tests.bots.web.helpers import csrf_of, sign_up_organisation
from tests.bots.web.test_chat_email import _consented, _say

BERLIN_TZ = "Europe/Berlin"


def events(body: str) -> dict[str, dict[str, str]]:
    """VEVENTs by SUMMARY: their properties (unfolded)."""
    unfolded = body.replace("\r\n ", "")
    found: dict[str, dict[str, str]] = {}
    for block in unfolded.split("BEGIN:VEVENT")[1:]:
        props: dict[str, str] = {}
        for line in block.split("END:VEVENT")[0].strip().split("\r\n"):
            name, _, value = line.partition(":")
            props.setdefault(name.split(";")[0], value)
        found[props["SUMMARY"]] = props
    return found


async def _needs(web: Web, organisation_id: int) -> tuple[int, int, int]:
    now = web.clock.now()
    ids = []
    for data in (
        NeedInput(
            title="Tafel",
            category="soziales",
            lat=50.77,
            lon=6.08,
            place_label="Burtscheid",
            starts_at=now + timedelta(days=3),
            ends_at=now + timedelta(days=3, hours=2),
            helpers_wanted=2,
        ),
        NeedInput(
            title="Hausaufgabenhilfe",
            category="bildung",
            lat=50.77,
            lon=6.08,
            place_label="Burtscheid",
            weekly=Weekly(("mi",), time(15), time(17)),
            valid_until=now + timedelta(days=70),
            helpers_wanted=2,
        ),
        NeedInput(
            title="Kleiderkammer",
            category="soziales",
            lat=50.77,
            lon=6.08,
            place_label="Burtscheid",
            starts_at=now + timedelta(days=4),
            ends_at=now + timedelta(days=4, hours=2),
            helpers_wanted=1,
        ),
    ):
        ref = await post_need(
            web.app.db, organisation_id=organisation_id, data=data, taxonomy=web.app.taxonomy,
            places=web.app.places, now=now, tz=ZoneInfo(BERLIN_TZ), actor="test",
        )  # fmt: skip
        await moderate(web.app.db, ref.id, approve=True, reason=None, actor="test", now=now)
        ids.append(ref.id)
    return ids[0], ids[1], ids[2]


async def _organisation_id(web: Web) -> int:
    await sign_up_organisation(web)
    from core.models import Organisation

    async with web.app.db.sessions() as session:
        return int(await session.scalar(select(Organisation.id).order_by(Organisation.id.desc())))


async def test_the_private_feed_carries_all_her_engagements_and_follows_them(
    web_app: Web,
) -> None:
    org = await _organisation_id(web_app)
    tafel, homework, clothes = await _needs(web_app, org)
    luisa = await register_with_consent(
        web_app.app.db, tenant_slug="aachen", identity="telegram:111",
        consent_version="2026-11", language="de", now=web_app.clock.now(),
    )  # fmt: skip
    signed = await sign_up(web_app.app.db, luisa.id, tafel, web_app.clock.now())
    await sign_up(web_app.app.db, luisa.id, homework, web_app.clock.now())
    heinrich = await register_with_consent(
        web_app.app.db, tenant_slug="aachen", identity="telegram:222",
        consent_version="2026-11", language="de", now=web_app.clock.now(),
    )  # fmt: skip
    await sign_up(web_app.app.db, heinrich.id, clothes, web_app.clock.now())
    waiting = await sign_up(web_app.app.db, luisa.id, clothes, web_app.clock.now())
    assert waiting.waitlisted
    token = await calendar_links.make_link(web_app.app.db, luisa.id, web_app.clock.now())

    async with web_app.app.db.sessions() as session:
        stored = list(await session.scalars(select(CalendarLink.token_hash)))
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]  # never the token itself

    client = web_app.new_client()  # no session: the link alone opens it
    response = await client.get(f"/t/aachen/me/calendar/{token}.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert "no-store" in response.headers["cache-control"]
    found = events(response.text)
    assert set(found) == {"Tafel", "Hausaufgabenhilfe"}  # not the waitlist's Kleiderkammer
    assert found["Tafel"]["UID"] == f"need-{tafel}-aachen@ehrenamt-bot"
    assert found["Hausaufgabenhilfe"]["UID"] == f"need-{homework}-aachen@ehrenamt-bot"
    assert re.fullmatch(
        r"FREQ=WEEKLY;BYDAY=WE;UNTIL=\d{8}T\d{6}Z", found["Hausaufgabenhilfe"]["RRULE"]
    )
    assert "STATUS" not in found["Tafel"]
    before = int(found["Tafel"]["SEQUENCE"])

    web_app.clock.set(web_app.clock.now() + timedelta(hours=1))
    await withdraw(web_app.app.db, luisa.id, signed.engagement_id, web_app.clock.now())
    after = events((await client.get(f"/t/aachen/me/calendar/{token}.ics")).text)
    assert after["Tafel"]["UID"] == found["Tafel"]["UID"]
    assert after["Tafel"]["STATUS"] == "CANCELLED"
    assert int(after["Tafel"]["SEQUENCE"]) > before
    assert "STATUS" not in after["Hausaufgabenhilfe"]

    # Another municipality's address, a wrong token: nothing.
    assert (await client.get(f"/t/stolberg/me/calendar/{token}.ics")).status_code == 404
    assert (await client.get("/t/aachen/me/calendar/nichtdas.ics")).status_code == 404

    renewed = await calendar_links.make_link(web_app.app.db, luisa.id, web_app.clock.now())
    assert (await client.get(f"/t/aachen/me/calendar/{token}.ics")).status_code == 404
    assert (await client.get(f"/t/aachen/me/calendar/{renewed}.ics")).status_code == 200


async def test_the_web_chat_page_makes_and_renews_the_link(web_app: Web) -> None:
    page = html.unescape((await web_app.client.get("/t/aachen/chat")).text)
    assert 'action="/t/aachen/chat/calendar"' not in page  # before consent: nothing to subscribe
    await _consented(web_app)
    page = html.unescape((await web_app.client.get("/t/aachen/chat")).text)
    assert "Kalender-Link erstellen" in page

    token = await csrf_of(web_app.client, "/t/aachen/chat")
    made = await web_app.client.post("/t/aachen/chat/calendar", data={"csrf": token})
    assert made.status_code == 303
    page = html.unescape((await web_app.client.get("/t/aachen/chat")).text)
    (first,) = re.findall(r"/t/aachen/me/calendar/([A-Za-z0-9_-]+)\.ics", page)
    assert "Neuen Kalender-Link erstellen" in page
    feed = await web_app.new_client().get(f"/t/aachen/me/calendar/{first}.ics")
    assert feed.status_code == 200 and "BEGIN:VCALENDAR" in feed.text

    token = await csrf_of(web_app.client, "/t/aachen/chat")
    await web_app.client.post("/t/aachen/chat/calendar", data={"csrf": token})
    page = html.unescape((await web_app.client.get("/t/aachen/chat")).text)
    links = re.findall(r"/t/aachen/me/calendar/([A-Za-z0-9_-]+)\.ics", page)
    assert len(links) == 2 and links[0] == first
    assert (await web_app.new_client().get(f"/t/aachen/me/calendar/{first}.ics")).status_code == 404
    assert (
        await web_app.new_client().get(f"/t/aachen/me/calendar/{links[1]}.ics")
    ).status_code == 200

    # Without the page's CSRF token nothing is made.
    refused = await web_app.new_client().post("/t/aachen/chat/calendar", data={})
    assert refused.status_code in (400, 403)

    token = await csrf_of(web_app.client, "/t/aachen/chat")
    await web_app.client.post("/t/aachen/chat/calendar/stop", data={"csrf": token})
    assert (
        await web_app.new_client().get(f"/t/aachen/me/calendar/{links[1]}.ics")
    ).status_code == 404
    await _say(web_app, text="hallo")  # the chat goes on
