"""Issue 14.2 on the web: the organisation's inbox shows who signed up and
withdrew (by the name they chose), a chat-linked member hears of each once,
and members without a chat get the day's news in one e-mail."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from core.models import Need
from core.reminders.delivery import deliver_due
from core.services.needs import moderate
from core.services.org_invites import redeem
from core.services.org_notices import enqueue_digests, send_daily_digests
from core.services.people import register_with_consent
from core.services.signup import sign_up, withdraw
from dialogue.markup import to_plain
from dialogue.notifications import ChannelSender, Renderer
from tests.bots.web.conftest import Web
from tests.bots.web.helpers import csrf_of, post_need, sign_up_organisation
from tests.fakes import RecordingNotifier

BERLIN = ZoneInfo("Europe/Berlin")


async def _person(web: Web, identity: str, name: str | None) -> int:
    person = await register_with_consent(
        web.app.db,
        tenant_slug="aachen",
        identity=identity,
        consent_version="2026-11",
        language="de",
        now=web.clock.now(),
        display_name=name,
    )
    return person.id


async def _published_need(web: Web, client) -> int:  # type: ignore[no-untyped-def]
    need_id = await post_need(web, client, title="Regale einräumen")
    await moderate(
        web.app.db, need_id, approve=True, reason=None, actor="test", now=web.clock.now()
    )
    return need_id


async def _link_chat(web: Web, client, identity: str, name: str) -> int:  # type: ignore[no-untyped-def]
    token = await csrf_of(client, "/t/aachen/org/invite")
    await client.post("/t/aachen/org/invite", data={"csrf": token, "action": "create"})
    page = await client.get("/t/aachen/org/invite")
    code = page.text.split('<code class="code">')[1].split("<")[0]
    person = await _person(web, identity, name)
    await redeem(web.app.db, code, person, web.clock.now())
    return person


async def test_sign_up_and_withdrawal_reach_the_linked_chat_once_and_show_in_the_inbox(
    web_app: Web,
) -> None:
    notifier = RecordingNotifier("telegram")
    client = await sign_up_organisation(web_app)
    need_id = await _published_need(web_app, client)
    await _link_chat(web_app, client, "telegram:500", "Petra")
    luisa = await _person(web_app, "telegram:111", "Luisa")
    now = web_app.clock.now()

    signed = await sign_up(web_app.app.db, luisa, need_id, now)
    sender = ChannelSender(
        Renderer(web_app.app.db, web_app.app.tenants), {"telegram": notifier}, web_app.clock
    )
    await deliver_due(web_app.app.db, sender, now)
    await deliver_due(web_app.app.db, sender, now + timedelta(minutes=1))
    await withdraw(web_app.app.db, luisa, signed.engagement_id, now + timedelta(minutes=2))
    await deliver_due(web_app.app.db, sender, now + timedelta(minutes=3))

    to_petra = [
        to_plain(r.text) for _, who, rs in notifier.sent if who == "telegram:500" for r in rs
    ]
    assert to_petra == [
        "🙋 Luisa hat sich für Regale einräumen angemeldet.",
        "↩️ Luisa hat sich von Regale einräumen abgemeldet.",
    ]
    assert not [who for _, who, _ in notifier.sent if who == "telegram:111"]

    inbox = await client.get("/t/aachen/org/inbox")
    assert inbox.status_code == 200
    assert "Neues von Ihren Freiwilligen" in inbox.text
    assert "Luisa hat sich angemeldet" in inbox.text
    assert "Luisa hat sich abgemeldet" in inbox.text
    assert inbox.text.count("<strong>neu</strong>") == 2
    again = await client.get("/t/aachen/org/inbox")  # seen once: no longer new
    assert "<strong>neu</strong>" not in again.text


async def test_another_organisation_does_not_see_the_notices(web_app: Web) -> None:
    client = await sign_up_organisation(web_app)
    need_id = await _published_need(web_app, client)
    luisa = await _person(web_app, "telegram:111", "Luisa")
    await sign_up(web_app.app.db, luisa, need_id, web_app.clock.now())
    other = await sign_up_organisation(
        web_app, email="zoo@example.org", name="Zoo", client=web_app.new_client()
    )
    inbox = await other.get("/t/aachen/org/inbox")
    assert "Luisa" not in inbox.text and "Noch keine An- oder Abmeldungen" in inbox.text


async def test_members_without_a_chat_get_one_digest_mail(web_app: Web) -> None:
    client = await sign_up_organisation(web_app)
    need_id = await _published_need(web_app, client)
    for i, name in enumerate(("Luisa", "Heinrich")):
        person = await _person(web_app, f"telegram:{i + 1}", name)
        await sign_up(web_app.app.db, person, need_id, web_app.clock.now())
    before = len(await web_app.mails())
    web_app.clock.set(web_app.clock.now() + timedelta(minutes=5))  # outbox files by time

    assert await enqueue_digests(web_app.app.db, web_app.clock.now()) == 1
    assert await enqueue_digests(web_app.app.db, web_app.clock.now()) == 0  # once
    result = await web_app.sender.run_once()
    assert result.sent == 1, result
    mails = await web_app.mails()
    assert len(mails) == before + 1
    (digest,) = [m for m in mails if "Freiwilligen" in str(m["Subject"])]
    assert digest["To"] == "tafel@example.org"
    assert "Neues von Ihren Freiwilligen" in digest["Subject"]
    body = digest.get_payload(decode=True).decode()
    assert "2 Anmeldung(en)" in body and "Regale einräumen" in body
    assert "/t/aachen/org/inbox" in body


async def test_the_digest_goes_out_once_a_day_in_the_evening(web_app: Web) -> None:
    client = await sign_up_organisation(web_app)
    need_id = await _published_need(web_app, client)
    morning = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 10:00 in Aachen
    luisa = await _person(web_app, "telegram:1", "Luisa")
    await sign_up(web_app.app.db, luisa, need_id, morning)

    noon = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)
    assert await send_daily_digests(web_app.app.db, noon) == 0  # the day is not over
    evening = datetime(2026, 12, 1, 17, 5, tzinfo=UTC)  # 18:05 in Aachen
    assert await send_daily_digests(web_app.app.db, evening) == 1
    assert await send_daily_digests(web_app.app.db, evening + timedelta(minutes=10)) == 0
    # A sign-up after the evening's cut-off waits for the next evening.
    heinrich = await _person(web_app, "telegram:2", "Heinrich")
    await sign_up(web_app.app.db, heinrich, need_id, evening + timedelta(minutes=20))
    assert await send_daily_digests(web_app.app.db, evening + timedelta(hours=2)) == 0
    assert await send_daily_digests(web_app.app.db, evening + timedelta(days=1)) == 1


async def test_no_show_on_the_web_tells_the_linked_chat_and_only_after_the_start(
    web_app: Web,
) -> None:
    client = await sign_up_organisation(web_app)
    need_id = await _published_need(web_app, client)
    await _link_chat(web_app, client, "telegram:500", "Petra")
    luisa = await _person(web_app, "telegram:111", "Luisa")
    signed = await sign_up(web_app.app.db, luisa, need_id, web_app.clock.now())
    path = f"/t/aachen/org/needs/{need_id}/signups/{signed.engagement_id}/no_show"

    page = await client.get(f"/t/aachen/org/needs/{need_id}")
    assert path not in page.text  # not before the need began
    token = await csrf_of(client, f"/t/aachen/org/needs/{need_id}")
    early = await client.post(path, data={"csrf": token, "confirm": "yes"})
    assert early.headers["location"].endswith("notice=not_possible")
    asked_early = await client.get(path)
    assert asked_early.headers["location"].endswith("notice=not_possible")

    async with web_app.app.db.sessions() as session:
        need = await session.get(Need, need_id)
        assert need is not None and need.starts_at is not None
        started = need.starts_at + timedelta(hours=1)
    web_app.clock.set(started)
    page = await client.get(f"/t/aachen/org/needs/{need_id}")
    assert f'href="{path}"' in page.text  # a link to the question, not the action
    # One click asks first (as the chat does); nothing is noted yet.
    question = await client.get(path)
    assert question.status_code == 200
    assert "War Luisa am" in question.text and "Regale einräumen" in question.text
    assert 'name="confirm" value="yes"' in question.text
    assert f'href="/t/aachen/org/needs/{need_id}"' in question.text  # "Nein, zurück"
    unconfirmed = await client.post(path, data={"csrf": await csrf_of(client, path)})
    assert unconfirmed.headers["location"] == path
    assert "Luisa war nicht da" not in (await client.get("/t/aachen/org/inbox")).text
    done = await client.post(path, data={"csrf": await csrf_of(client, path), "confirm": "yes"})
    assert done.headers["location"].endswith("notice=no_show")

    notifier = RecordingNotifier("telegram")
    sender = ChannelSender(
        Renderer(web_app.app.db, web_app.app.tenants), {"telegram": notifier}, web_app.clock
    )
    await deliver_due(web_app.app.db, sender, started + timedelta(minutes=1))
    to_petra = [
        to_plain(r.text) for _, who, rs in notifier.sent if who == "telegram:500" for r in rs
    ]
    assert "⚠️ Luisa war bei Regale einräumen nicht da." in to_petra
    inbox = await client.get("/t/aachen/org/inbox")
    assert "Luisa war nicht da" in inbox.text

    # A second confirmation (the back button, a colleague) changes nothing.
    token = await csrf_of(client, f"/t/aachen/org/needs/{need_id}")
    again = await client.post(path, data={"csrf": token, "confirm": "yes"})
    assert again.headers["location"].endswith("notice=no_show_already")
    page = await client.get(again.headers["location"])
    assert "Das ist schon vermerkt; es ändert sich nichts." in page.text
    assert (await client.get("/t/aachen/org/inbox")).text.count("Luisa war nicht da") == 1
    # The question's page, opened again, says so instead of asking again.
    asked_again = await client.get(path)
    assert asked_again.status_code == 200
    assert "Dass Luisa am" in asked_again.text and "ist schon vermerkt" in asked_again.text
    assert 'name="confirm"' not in asked_again.text
    notifier.sent.clear()
    await deliver_due(web_app.app.db, sender, started + timedelta(minutes=5))
    assert not [r for _, who, rs in notifier.sent for r in rs if "nicht da" in to_plain(r.text)]


async def test_a_weekly_no_show_noted_once_is_not_asked_again_for_that_date(
    web_app: Web,
) -> None:
    """A weekly volunteer stays signed up after a missed date: the need page
    says the date is noted instead of offering the no-show again, and the
    question's page (a colleague's tab, the back button) says it is noted."""
    client = await sign_up_organisation(web_app)
    need_id = await post_need(
        web_app, client, title="Hausaufgabenhilfe", schedule="weekly", days=["mi"],
        weekly_start="15:00", weekly_end="17:00", date="", start="", end="",
    )  # fmt: skip
    await moderate(
        web_app.app.db, need_id, approve=True, reason=None, actor="test", now=web_app.clock.now()
    )
    luisa = await _person(web_app, "telegram:111", "Luisa")
    signed = await sign_up(web_app.app.db, luisa, need_id, web_app.clock.now())
    path = f"/t/aachen/org/needs/{need_id}/signups/{signed.engagement_id}/no_show"
    web_app.clock.set(web_app.clock.now() + timedelta(days=8))  # a Wednesday has passed
    page = await client.get(f"/t/aachen/org/needs/{need_id}")
    assert f'href="{path}"' in page.text and "vermerkt" not in page.text
    done = await client.post(path, data={"csrf": await csrf_of(client, path), "confirm": "yes"})
    assert done.headers["location"].endswith("notice=no_show")

    page = await client.get(f"/t/aachen/org/needs/{need_id}")
    assert f'href="{path}"' not in page.text
    assert re.search(r"Nicht erschienen am Mi\. \d+\. \w+\.?, 15:00: vermerkt\.", page.text), (
        page.text
    )
    again = await client.get(path)
    assert again.status_code == 200 and "ist schon vermerkt" in again.text
    assert 'name="confirm"' not in again.text
    assert f'href="/t/aachen/org/needs/{need_id}"' in again.text
    inbox = await client.get("/t/aachen/org/inbox")
    assert inbox.text.count("Luisa war nicht da") == 1
    # The next Wednesday is a new date: the no-show may be noted for it.
    web_app.clock.set(web_app.clock.now() + timedelta(days=7))
    assert f'href="{path}"' in (await client.get(f"/t/aachen/org/needs/{need_id}")).text
    assert 'name="confirm" value="yes"' in (await client.get(path)).text


async def test_the_inbox_names_the_date_a_volunteer_skips(web_app: Web) -> None:
    from core.services.signup import skip_date

    client = await sign_up_organisation(web_app)
    need_id = await post_need(
        web_app,
        client,
        title="Hausaufgabenhilfe",
        schedule="weekly",
        days=["mi"],
        weekly_start="15:00",
        weekly_end="17:00",
        date="",
        start="",
        end="",
    )
    await moderate(
        web_app.app.db, need_id, approve=True, reason=None, actor="test", now=web_app.clock.now()
    )
    luisa = await _person(web_app, "telegram:111", "Luisa")
    signed = await sign_up(web_app.app.db, luisa, need_id, web_app.clock.now())
    skipped = await skip_date(web_app.app.db, luisa, signed.engagement_id, web_app.clock.now())
    assert skipped is not None
    inbox = await client.get("/t/aachen/org/inbox")
    day = skipped.starts_at.astimezone(BERLIN)
    # "Luisa kann am Mi. 2. Dez., 15:00 nicht und bleibt sonst dabei"
    said = re.search(r"Luisa kann am (\w+\. (\d+)\. .*?), (\d\d:\d\d) nicht und bleibt", inbox.text)
    assert said is not None, inbox.text
    assert (int(said.group(2)), said.group(3)) == (day.day, day.strftime("%H:%M"))


async def test_the_inbox_says_a_volunteer_left_because_of_a_change(web_app: Web) -> None:
    """A volunteer who withdraws from the ``unfit`` question under a change
    notice (issue 14.6): the inbox says it was the change, the digest counts
    it as a withdrawal."""
    client = await sign_up_organisation(web_app)
    need_id = await _published_need(web_app, client)
    luisa = await _person(web_app, "telegram:111", "Luisa")
    signed = await sign_up(web_app.app.db, luisa, need_id, web_app.clock.now())
    await withdraw(
        web_app.app.db, luisa, signed.engagement_id, web_app.clock.now(),
        notice="left_after_change",
    )  # fmt: skip
    inbox = await client.get("/t/aachen/org/inbox")
    assert "Luisa hat sich nach der Änderung abgemeldet (passt nicht mehr)" in inbox.text
    web_app.clock.set(web_app.clock.now() + timedelta(minutes=5))
    assert await enqueue_digests(web_app.app.db, web_app.clock.now()) == 1
    await web_app.sender.run_once()
    (digest,) = [m for m in await web_app.mails() if "Freiwilligen" in str(m["Subject"])]
    body = digest.get_payload(decode=True).decode()
    assert "1 Anmeldung(en), 1 Abmeldung(en)" in body, body
