"""Hours, certificates and calendars on the web (issue 14.5, 14.6): the
organisation confirms a volunteer's hours, anyone checks a certificate's
code, and calendar feeds follow a need that changed or was cancelled."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.models import HoursEntry, HoursStatus, Organisation, OrgKind
from core.schedule import Weekly
from core.services.certificate import CertificateBranding, issue_certificate
from core.services.hours import log_hours
from core.services.needs import NeedInput, cancel_need, post_need
from core.services.organisations import extend_need
from core.services.people import person_for_identity, register_with_consent
from core.services.signup import sign_up
from tests.bots.web.conftest import Web
from tests.bots.web.helpers import sign_up_organisation

BERLIN = ZoneInfo("Europe/Berlin")


async def an_organisation(web: Web, name: str, tenant: str = "stolberg") -> int:
    async with web.app.db.transaction() as session:
        org = Organisation(
            tenant_id=web.app.tenant_ids[tenant],
            name=name,
            kind=OrgKind.VEREIN,
            verified=True,
            created_at=web.clock.now(),
        )
        session.add(org)
        await session.flush()
        return org.id


async def a_weekly_need(web: Web, org_id: int, *, until: datetime | None = None) -> int:
    ref = await post_need(
        web.app.db,
        organisation_id=org_id,
        data=NeedInput(
            title="Hausaufgabenhilfe",
            category="bildung",
            lat=50.77,
            lon=6.22,
            place_label="Stolberg",
            weekly=Weekly(("di",), time(15), time(17)),
            valid_until=until,
        ),
        taxonomy=web.app.taxonomy,
        places=web.app.places,
        now=web.clock.now(),
        tz=BERLIN,
        actor="test",
    )
    return ref.id


async def logged_hours(web: Web, need_id: int) -> int:
    """Heinrich (Aachen) signed up and logged 2,5 hours for the last Tuesday."""
    person = await register_with_consent(
        web.app.db,
        tenant_slug="aachen",
        identity="telegram:heinrich",
        consent_version="2026-11",
        language="de",
        now=web.clock.now(),
        display_name="Heinrich",
    )
    signed = await sign_up(web.app.db, person.id, need_id, web.clock.now())
    web.clock.advance(timedelta(days=7))
    logged = await log_hours(
        web.app.db,
        person_id=person.id,
        engagement_id=signed.engagement_id,
        day=date(2026, 12, 1),
        hours=2.5,
        source="button",
        now=web.clock.now(),
    )
    return logged.entry_id


async def status_of(web: Web, entry_id: int) -> HoursStatus:
    async with web.app.db.sessions() as session:
        status = await session.scalar(select(HoursEntry.status).where(HoursEntry.id == entry_id))
    assert status is not None
    return status


async def test_the_organisation_confirms_hours_on_the_web(web_app: Web) -> None:
    member = await sign_up_organisation(web_app, name="Lernpaten Stolberg", tenant="stolberg")
    async with web_app.app.db.sessions() as session:
        org_id = await session.scalar(
            select(Organisation.id).where(Organisation.name == "Lernpaten Stolberg")
        )
    assert org_id is not None
    entry = await logged_hours(web_app, await a_weekly_need(web_app, org_id))

    page = await member.get("/t/stolberg/org/hours")
    assert page.status_code == 200
    assert "Heinrich" in page.text and "Hausaufgabenhilfe" in page.text and "2,5" in page.text
    assert f"/org/hours/{entry}/confirm" in page.text

    # Another organisation's member may not decide about it.
    other = web_app.new_client()
    await sign_up_organisation(
        web_app, email="andere@example.org", name="Andere", tenant="stolberg", client=other
    )
    refused = await other.post(
        f"/t/stolberg/org/hours/{entry}/confirm",
        data={"csrf": await _csrf(other, "/t/stolberg/org/hours")},
    )
    assert refused.status_code == 403
    assert await status_of(web_app, entry) == HoursStatus.LOGGED

    done = await member.post(
        f"/t/stolberg/org/hours/{entry}/confirm",
        data={"csrf": await _csrf(member, "/t/stolberg/org/hours")},
    )
    assert done.status_code == 303
    assert await status_of(web_app, entry) == HoursStatus.CONFIRMED
    page = await member.get("/t/stolberg/org/hours")
    assert "bestätigt" in page.text and f"/org/hours/{entry}/confirm" not in page.text


async def test_a_certificate_code_shows_what_the_certificate_states(web_app: Web) -> None:
    org_id = await an_organisation(web_app, "Lernpaten Stolberg")
    entry = await logged_hours(web_app, await a_weekly_need(web_app, org_id))
    async with web_app.app.db.transaction() as session:
        row = await session.get(HoursEntry, entry)
        assert row is not None
        row.status = HoursStatus.CONFIRMED
    person = await person_for_identity(web_app.app.db, "telegram:heinrich", "aachen")
    assert person is not None
    issued = await issue_certificate(
        web_app.app.db,
        person_id=person.id,
        holder_name="Heinrich Helfer",
        branding=CertificateBranding("Stadt Aachen (Demo)", "Engagement-Bot Aachen"),
        verify_url="http://testserver/t/aachen/nachweis",
        now=web_app.clock.now(),
        tz=BERLIN,
    )
    code = issued.content.code

    page = await web_app.client.get(f"/t/aachen/nachweis/{code}")
    assert page.status_code == 200
    for stated in ("Heinrich Helfer", "Lernpaten Stolberg", "Hausaufgabenhilfe", "2,5", code):
        assert stated in page.text, stated
    assert "telegram" not in page.text  # nothing beyond what the paper states

    # Typed as read off paper: lower case, without dashes -> the page of the code.
    typed = await web_app.client.get(f"/t/aachen/nachweis?code={code.lower().replace('-', '')}")
    assert typed.status_code == 303 and typed.headers["location"].endswith(code)

    unknown = await web_app.client.get("/t/aachen/nachweis/EA-AAAAA-BBBBB")
    assert unknown.status_code == 404
    assert "keinen Nachweis" in unknown.text and "Heinrich" not in unknown.text
    # Another municipality does not vouch for Aachen's certificates.
    elsewhere = await web_app.client.get(f"/t/stolberg/nachweis/{code}")
    assert elsewhere.status_code == 404


def events(ics: str) -> list[dict[str, str]]:
    """VEVENTs of a calendar as {property (without parameters): value}."""
    unfolded = ics.replace("\r\n ", "")
    found: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in unfolded.split("\r\n"):
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT" and current is not None:
            found.append(current)
            current = None
        elif current is not None and ":" in line:
            name, _, value = line.partition(":")
            current[name.split(";")[0]] = value
    return found


async def test_calendars_carry_the_series_end_and_follow_changes_and_cancellation(
    web_app: Web,
) -> None:
    org_id = await an_organisation(web_app, "Lernpaten Stolberg")
    until = datetime(2027, 1, 26, 23, 0, tzinfo=BERLIN)
    need = await a_weekly_need(web_app, org_id, until=until)

    first = events((await web_app.client.get("/t/stolberg/calendar.ics")).text)
    (event,) = [e for e in first if e["UID"].startswith(f"need-{need}-")]
    assert event["RRULE"] == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20270126T220000Z"
    single = events((await web_app.client.get(f"/t/stolberg/needs/{need}.ics")).text)
    assert single[0]["RRULE"].endswith("UNTIL=20270126T220000Z")
    assert single[0]["SEQUENCE"] == event["SEQUENCE"]

    web_app.clock.advance(timedelta(hours=1))
    await extend_need(web_app.app.db, org_id, need, now=web_app.clock.now(), actor="test")
    changed = events((await web_app.client.get("/t/stolberg/calendar.ics")).text)
    (after,) = [e for e in changed if e["UID"] == event["UID"]]
    assert int(after["SEQUENCE"]) > int(event["SEQUENCE"])
    assert after["RRULE"].endswith("UNTIL=20270223T220000Z")  # four weeks more
    assert "STATUS" not in after

    web_app.clock.advance(timedelta(hours=1))
    await cancel_need(web_app.app.db, need, actor="test", now=web_app.clock.now())
    cancelled = events((await web_app.client.get("/t/stolberg/calendar.ics")).text)
    (gone,) = [e for e in cancelled if e["UID"] == event["UID"]]
    assert gone["STATUS"] == "CANCELLED"
    assert int(gone["SEQUENCE"]) > int(after["SEQUENCE"])

    # Weeks later the feed forgets it.
    web_app.clock.advance(timedelta(days=31))
    later = events((await web_app.client.get("/t/stolberg/calendar.ics")).text)
    assert not [e for e in later if e["UID"] == event["UID"]]


async def _csrf(client, path: str) -> str:  # type: ignore[no-untyped-def]
    from tests.bots.web.helpers import _csrf as csrf

    return await csrf(client, path)
