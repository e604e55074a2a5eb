"""Issue 14.7 on the web: the Redaktion reads the tenant's feedback (and
nobody else does); the statistics page and CSV count it; erased feedback
shows as anonymised."""

from __future__ import annotations

import csv
import io

from core.services.feedback import keep_feedback
from core.services.people import delete_person, register_with_consent
from tests.bots.web.conftest import Web
from tests.bots.web.helpers import log_in_editor, sign_up_organisation

WISH = "Bitte mehr Angebote am Wochenende <b>fett</b>"


async def _feedback(web: Web, tenant: str, identity: str, body: str) -> int:
    person = await register_with_consent(
        web.app.db, tenant_slug=tenant, identity=identity, consent_version="1",
        language="de", now=web.clock.now(),
    )  # fmt: skip
    await keep_feedback(
        web.app.db, person_id=person.id, channel="telegram", language="de", body=body,
        now=web.clock.now(),
    )  # fmt: skip
    return person.id


async def test_editors_read_their_tenants_feedback_and_count_it(web_app: Web) -> None:
    person = await _feedback(web_app, "aachen", "telegram:1", WISH)
    await _feedback(web_app, "stolberg", "telegram:2", "Stolberger Rückmeldung")
    editor = await log_in_editor(web_app)

    page = await editor.get("/t/aachen/editor/feedback")
    assert page.status_code == 200
    assert "Bitte mehr Angebote am Wochenende &lt;b&gt;fett&lt;/b&gt;" in page.text  # escaped
    assert "Stolberger Rückmeldung" not in page.text
    stats = await editor.get("/t/aachen/editor/statistics")
    assert "<dt>Rückmeldungen</dt><dd>1</dd>" in stats.text
    rows = list(csv.reader(io.StringIO((await editor.get("/t/aachen/editor/statistics.csv")).text)))
    assert rows[0][-1] == "feedback"
    assert next(r for r in rows if r[0] == "total")[-1] == "1"
    assert sum(int(r[-1]) for r in rows if r[0] == "week") == 1

    await delete_person(web_app.app.db, person, web_app.clock.now())
    page = await editor.get("/t/aachen/editor/feedback")
    assert "Wochenende" not in page.text and "(anonymisiert)" in page.text
    rows = list(csv.reader(io.StringIO((await editor.get("/t/aachen/editor/statistics.csv")).text)))
    assert next(r for r in rows if r[0] == "total")[-1] == "1"  # still counted


async def test_only_the_tenants_editors_see_feedback(web_app: Web) -> None:
    await _feedback(web_app, "aachen", "telegram:1", WISH)
    member = await sign_up_organisation(web_app)
    assert (await member.get("/t/aachen/editor/feedback")).status_code == 403
    stolberg = await log_in_editor(web_app, "stolberg")
    assert (await stolberg.get("/t/aachen/editor/feedback")).status_code == 403
    anonymous = await web_app.new_client().get("/t/aachen/editor/feedback")
    assert anonymous.status_code == 303
