"""One notification path (issue 12): an organisation's action on the web
writes outbox rows through a core service; delivery renders them in the
volunteer's language and applies quiet hours. Nothing is sent from the
request itself, so nobody hears the same news twice (before, a cancelled need
reached each volunteer once from the web route and once from the outbox, in
two wordings)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from core.services.needs import moderate
from core.services.people import person_for_identity, register_with_consent
from core.services.signup import sign_up
from core.services.web_chat import transcript
from tests.bots.web.conftest import Web
from tests.bots.web.helpers import csrf_of, post_need, sign_up_organisation
from tests.fakes import RecordingNotifier

BERLIN = ZoneInfo("Europe/Berlin")


async def _volunteer(web: Web, identity: str, name: str, language: str = "de") -> int:
    person = await register_with_consent(
        web.app.db,
        tenant_slug="aachen",
        identity=identity,
        consent_version="2026-11",
        language=language,
        now=web.clock.now(),
        display_name=name,
    )
    return person.id


async def _need_with_signups(
    web: Web, people: int = 2, **form: object
) -> tuple[httpx.AsyncClient, int, list[int]]:
    client = await sign_up_organisation(web)
    need_id = await post_need(web, client, **form)
    await moderate(web.app.db, need_id, approve=True, reason=None, actor="t", now=web.clock.now())
    engagements = []
    for n, (name, lang) in enumerate((("Luisa", "de"), ("Heinrich", "en"), ("Amira", "de"))):
        if n == people:
            break
        person = await _volunteer(web, f"telegram:{n}", name, lang)
        engagements.append(
            (await sign_up(web.app.db, person, need_id, web.clock.now())).engagement_id
        )
    return client, need_id, engagements


async def _post(client: httpx.AsyncClient, need_id: int, action: str) -> None:
    token = await csrf_of(client, f"/t/aachen/org/needs/{need_id}")
    response = await client.post(f"/t/aachen/org/needs/{need_id}/{action}", data={"csrf": token})
    assert response.status_code == 303


def _identities(notifier: RecordingNotifier) -> list[str]:
    return sorted(identity for _, identity, _ in notifier.sent)


async def test_a_cancelled_need_reaches_each_volunteer_exactly_once(web_app: Web):
    notifier = RecordingNotifier("telegram")
    web_app.app.notifiers["telegram"] = notifier
    client, need_id, _ = await _need_with_signups(web_app)
    await _post(client, need_id, "cancel")
    assert notifier.sent == []  # the request itself sends nothing
    await web_app.deliver()
    web_app.clock.advance(timedelta(hours=1))
    await web_app.deliver()  # and a later tick sends nothing again
    assert _identities(notifier) == ["telegram:0", "telegram:1"]
    texts = {identity: replies[0].text for _, identity, replies in notifier.sent}
    # One wording (data/texts/notifications), in each one's language
    assert "Leider abgesagt" in texts["telegram:0"]
    assert "Sadly cancelled" in texts["telegram:1"]


async def test_a_cancellation_in_quiet_hours_waits_for_the_morning(web_app: Web):
    notifier = RecordingNotifier("telegram")
    web_app.app.notifiers["telegram"] = notifier
    client, need_id, _ = await _need_with_signups(web_app)
    # 22:30 in Aachen: quiet hours (21:00-08:00) have begun
    web_app.clock.set(datetime(2026, 12, 1, 22, 30, tzinfo=BERLIN))
    await _post(client, need_id, "cancel")
    await web_app.deliver()
    assert notifier.sent == []
    web_app.clock.set(datetime(2026, 12, 2, 7, 59, tzinfo=BERLIN))
    await web_app.deliver()
    assert notifier.sent == []
    web_app.clock.set(datetime(2026, 12, 2, 8, 0, tzinfo=BERLIN))
    await web_app.deliver()
    assert _identities(notifier) == ["telegram:0", "telegram:1"]
    web_app.clock.advance(timedelta(hours=2))
    await web_app.deliver()
    assert len(notifier.sent) == 2


async def test_a_cancelled_date_before_the_quiet_hours_end_is_told_at_once(web_app: Web):
    """Waiting for 08:00 would send Luisa to a need cancelled for 07:00."""
    notifier = RecordingNotifier("telegram")
    web_app.app.notifiers["telegram"] = notifier
    client, need_id, _ = await _need_with_signups(
        web_app, people=1, date="2026-12-02", start="07:00", end="09:00"
    )
    web_app.clock.set(datetime(2026, 12, 1, 22, 30, tzinfo=BERLIN))
    await _post(client, need_id, "cancel")
    await web_app.deliver()
    assert _identities(notifier) == ["telegram:0"]


async def test_decline_tells_the_volunteer_and_the_one_moving_up_once_each(web_app: Web):
    notifier = RecordingNotifier("telegram")
    web_app.app.notifiers["telegram"] = notifier
    # one place, three sign-ups: Heinrich and Amira wait
    client, need_id, engagements = await _need_with_signups(web_app, people=3, helpers="1")
    await _post(client, need_id, f"signups/{engagements[0]}/decline")
    await web_app.deliver()
    web_app.clock.advance(timedelta(hours=1))
    await web_app.deliver()
    texts = {identity: [r.text for r in replies] for _, identity, replies in notifier.sent}
    assert sorted(texts) == ["telegram:0", "telegram:1"]
    assert len(notifier.sent) == 2
    assert "schon genug Helfende" in texts["telegram:0"][0]
    assert "you're in" in texts["telegram:1"][0]


async def test_a_message_written_at_night_reaches_the_chat_in_the_morning(web_app: Web):
    notifier = RecordingNotifier("telegram")
    web_app.app.notifiers["telegram"] = notifier
    client, need_id, engagements = await _need_with_signups(web_app, people=2)
    web_app.clock.set(datetime(2026, 12, 1, 23, 0, tzinfo=BERLIN))
    token = await csrf_of(client, f"/t/aachen/org/needs/{need_id}")
    await client.post(
        f"/t/aachen/org/needs/{need_id}/signups/{engagements[1]}/message",
        data={"csrf": token, "body": "Bitte feste Schuhe mitbringen"},
    )
    await web_app.deliver()
    assert notifier.sent == []
    assert "noch nicht zugestellt" in (await client.get("/t/aachen/org/inbox")).text
    web_app.clock.set(datetime(2026, 12, 2, 8, 0, tzinfo=BERLIN))
    await web_app.deliver()
    await web_app.deliver()
    [(_, identity, [reply])] = notifier.sent
    assert identity == "telegram:1"
    assert "Message from <b>Aachener Tafel</b>" in reply.text  # Heinrich reads English
    assert reply.buttons[0].payload.startswith("relay:")
    assert "noch nicht zugestellt" not in (await client.get("/t/aachen/org/inbox")).text


async def test_a_web_chat_volunteer_gets_the_cancellation_in_the_transcript_and_by_mail(
    web_app: Web,
):
    """The web chat writes to the database itself (transcript, e-mail copy):
    inside delivery it joins the notice's transaction, once, with no second
    writer waiting for SQLite's lock."""
    from tests.bots.web.test_chat_email import _consented, _leave

    identity = await _consented(web_app)
    await _leave(web_app, "lena@example.org")
    await web_app.client.get(await web_app.last_link())  # confirmed
    person = await person_for_identity(web_app.app.db, identity, "aachen")
    assert person is not None
    org = await sign_up_organisation(web_app, client=web_app.new_client())
    need_id = await post_need(web_app, org)
    await moderate(
        web_app.app.db, need_id, approve=True, reason=None, actor="t", now=web_app.clock.now()
    )
    await sign_up(web_app.app.db, person.id, need_id, web_app.clock.now())
    mails_before = len(await web_app.mails())
    await _post(org, need_id, "cancel")
    await web_app.deliver()
    await web_app.deliver()
    lines = await transcript(web_app.app.db, identity, "aachen")
    assert sum("Leider abgesagt" in line.html for line in lines) == 1
    mails = await web_app.mails()
    assert len(mails) == mails_before + 1
    assert "Leider abgesagt" in mails[-1].get_payload(decode=True).decode()
