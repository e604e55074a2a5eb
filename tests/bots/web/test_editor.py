"""The Redaktion: review queue, reject with a reason the organisation sees,
verify organisations, hide content, edit the bot's texts, audit log,
statistics with CSV; editors of one tenant cannot act on another."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import select

from core.models import AuditEvent, Need, NeedStatus, TextOverride
from core.services.people import register_with_consent
from core.services.signup import sign_up
from tests.bots.web.conftest import Web
from tests.bots.web.helpers import BERLIN, csrf_of, log_in_editor, post_need, sign_up_organisation


async def _status(web: Web, need_id: int) -> NeedStatus:
    async with web.app.db.sessions() as session:
        need = await session.get(Need, need_id)
    assert need is not None
    return need.status


async def _audit(web: Web) -> list[str]:
    async with web.app.db.sessions() as session:
        return list((await session.scalars(select(AuditEvent.action))).all())


async def test_editor_approves_a_need_and_it_becomes_public(web_app: Web):
    org = await sign_up_organisation(web_app)
    need_id = await post_need(web_app, org)
    public = web_app.new_client()
    assert (await public.get(f"/t/aachen/needs/{need_id}")).status_code == 404
    editor = await log_in_editor(web_app)
    queue = await editor.get("/t/aachen/editor/")
    assert "Helfende für die Tafel-Ausgabe" in queue.text
    token = await csrf_of(editor, "/t/aachen/editor/")
    response = await editor.post(f"/t/aachen/editor/needs/{need_id}/approve", data={"csrf": token})
    assert response.headers["location"].endswith("notice=approved")
    assert await _status(web_app, need_id) == NeedStatus.PUBLISHED
    assert (await public.get(f"/t/aachen/needs/{need_id}")).status_code == 200
    assert "need_approved" in await _audit(web_app)


async def test_a_need_whose_date_passed_is_marked_and_cannot_be_approved(web_app: Web):
    org = await sign_up_organisation(web_app)
    over = await post_need(web_app, org, title="Laub fegen")  # in four days, 10–14
    later = await post_need(web_app, org, title="Weihnachtsmarkt", date=_in_days(web_app, 10))
    web_app.clock.advance(timedelta(days=5))  # still waiting for review, the first is over
    editor = await log_in_editor(web_app)
    queue = await editor.get("/t/aachen/editor/")
    past = queue.text.split(f'id="need-{over}"')[1].split("</li>")[0]
    assert "⚠ Termin vorbei" in past and "freigeben geht nicht mehr" in past
    assert f"/needs/{over}/approve" not in queue.text  # no "Freigeben" for it
    assert f"/needs/{later}/approve" in queue.text
    assert "Termin vorbei" not in queue.text.split(f'id="need-{later}"')[1].split("</li>")[0]

    token = await csrf_of(editor, "/t/aachen/editor/")
    refused = await editor.post(f"/t/aachen/editor/needs/{over}/approve", data={"csrf": token})
    assert refused.headers["location"].endswith("notice=date_passed")
    page = await editor.get(refused.headers["location"])
    assert "Nicht freigegeben: Der Termin dieses Bedarfs ist schon vorbei." in page.text
    assert await _status(web_app, over) == NeedStatus.PENDING_REVIEW
    assert "need_approved" not in await _audit(web_app)
    # it can still be rejected, with a reason
    await editor.post(
        f"/t/aachen/editor/needs/{over}/reject", data={"csrf": token, "reason": "Termin vorbei"}
    )
    assert await _status(web_app, over) == NeedStatus.REJECTED


def _in_days(web: Web, days: int) -> str:
    return (web.clock.now().astimezone(BERLIN) + timedelta(days=days)).date().isoformat()


async def test_rejection_needs_a_reason_which_the_organisation_then_sees(web_app: Web):
    org = await sign_up_organisation(web_app)
    need_id = await post_need(web_app, org)
    editor = await log_in_editor(web_app)
    token = await csrf_of(editor, "/t/aachen/editor/")
    empty = await editor.post(
        f"/t/aachen/editor/needs/{need_id}/reject", data={"csrf": token, "reason": "  "}
    )
    assert empty.status_code == 400 and f'id="e-reason-{need_id}"' in empty.text
    assert await _status(web_app, need_id) == NeedStatus.PENDING_REVIEW
    await editor.post(
        f"/t/aachen/editor/needs/{need_id}/reject",
        data={"csrf": token, "reason": "Bitte Uhrzeit <genauer> angeben"},
    )
    assert await _status(web_app, need_id) == NeedStatus.REJECTED
    page = await org.get(f"/t/aachen/org/needs/{need_id}")
    assert "Bitte Uhrzeit &lt;genauer&gt; angeben" in page.text


async def test_editor_of_stolberg_cannot_moderate_aachen(web_app: Web):
    org = await sign_up_organisation(web_app)
    need_id = await post_need(web_app, org)
    stolberg = await log_in_editor(web_app, "stolberg")
    assert (await stolberg.get("/t/aachen/editor/")).status_code == 403
    assert (await stolberg.get("/t/aachen/editor/statistics.csv")).status_code == 403
    token = await csrf_of(stolberg, "/t/stolberg/editor/")
    # Through its own tenant's URL as well: the need belongs to Aachen.
    for path in (
        f"/t/stolberg/editor/needs/{need_id}/approve",
        f"/t/aachen/editor/needs/{need_id}/approve",
    ):
        assert (await stolberg.post(path, data={"csrf": token})).status_code == 403, path
    assert await _status(web_app, need_id) == NeedStatus.PENDING_REVIEW


async def test_an_organisation_member_is_not_an_editor(web_app: Web):
    org = await sign_up_organisation(web_app)
    for path in (
        "/t/aachen/editor/",
        "/t/aachen/editor/organisations",
        "/t/aachen/editor/statistics",
        "/t/aachen/editor/texts",
    ):
        assert (await org.get(path)).status_code == 403, path


async def test_verify_organisation_and_hide_a_need(web_app: Web):
    org = await sign_up_organisation(web_app)
    need_id = await post_need(web_app, org)
    editor = await log_in_editor(web_app)
    token = await csrf_of(editor, "/t/aachen/editor/")
    await editor.post(f"/t/aachen/editor/needs/{need_id}/approve", data={"csrf": token})
    page = await editor.get("/t/aachen/editor/organisations")
    assert "Aachener Tafel" in page.text
    org_id = await _org_id(web_app)
    await editor.post(
        "/t/aachen/editor/organisations", data={"csrf": token, "id": org_id, "verified": "1"}
    )
    assert "geprüft" in (await org.get("/t/aachen/org/")).text
    await editor.post(
        "/t/aachen/editor/content",
        data={"csrf": token, "kind": "need", "id": need_id, "hidden": "1", "reason": "Werbung"},
    )
    assert (await web_app.new_client().get(f"/t/aachen/needs/{need_id}")).status_code == 404
    actions = await _audit(web_app)
    assert {"organisation_verified", "content_hidden"} <= set(actions)


async def test_editor_overrides_a_bot_text_and_placeholders_are_checked(web_app: Web):
    from dialogue.texts import catalogue, placeholders

    key = next(
        k for k, v in sorted(catalogue("de").items()) if isinstance(v, str) and placeholders(v)
    )
    editor = await log_in_editor(web_app)
    token = await csrf_of(editor, "/t/aachen/editor/texts")
    bad = await editor.post(
        "/t/aachen/editor/texts?in=de",
        data={"csrf": token, "key": key, "value": "Ohne Platzhalter"},
    )
    assert bad.status_code == 400 and "Ohne Platzhalter" in bad.text
    value = " ".join("{" + p + "}" for p in sorted(placeholders(catalogue("de")[key])))
    ok = await editor.post(
        "/t/aachen/editor/texts?in=de", data={"csrf": token, "key": key, "value": f"Hallo {value}"}
    )
    assert ok.status_code == 303
    async with web_app.app.db.sessions() as session:
        rows = (await session.scalars(select(TextOverride))).all()
    assert [(r.language, r.key, r.value) for r in rows] == [("de", key, f"Hallo {value}")]
    assert "text_edited" in await _audit(web_app)


async def test_statistics_page_draws_svg_and_csv_counts_posted_and_filled(web_app: Web):
    org = await sign_up_organisation(web_app)
    need_id = await post_need(web_app, org, helpers="1")
    await post_need(web_app, org, title="Zweites Gesuch")
    editor = await log_in_editor(web_app)
    token = await csrf_of(editor, "/t/aachen/editor/")
    await editor.post(f"/t/aachen/editor/needs/{need_id}/approve", data={"csrf": token})
    person = await register_with_consent(
        web_app.app.db,
        tenant_slug="aachen",
        identity="telegram:9",
        consent_version="1",
        language="de",
        now=web_app.clock.now(),
    )
    await sign_up(web_app.app.db, person.id, need_id, web_app.clock.now())
    page = await editor.get("/t/aachen/editor/statistics")
    assert page.status_code == 200 and page.text.count("<svg") == 3
    assert "<script" not in page.text.split("<main")[1]
    response = await editor.get("/t/aachen/editor/statistics.csv")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    total = next(r for r in rows if r[0] == "total")
    assert total[2:5] == ["2", "1", "1"]  # posted, filled, sign-ups
    assert next(r for r in rows if r[0] == "category" and r[1] == "soziales")[2] == "2"
    assert next(r for r in rows if r[0] == "district" and r[1] == "Burtscheid")[3] == "1"
    assert {len(r) for r in rows} == {len(rows[0])} == {7}  # every row under the header


async def _org_id(web: Web) -> int:
    from core.models import Organisation

    async with web.app.db.sessions() as session:
        return int(await session.scalar(select(Organisation.id)) or 0)
