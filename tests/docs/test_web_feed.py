"""docs/web.md stays true about needs in and out: the fields it documents
for ``/t/<slug>/needs.json`` are the fields the app serves, and the export
columns it documents are the ones exported (CSV header, JSON fields)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from core.services import moderation
from core.services.needs_exchange import FEED_FIELDS, FIELDS
from tests.bots.web.conftest import Web, web_app  # noqa: F401 (the fixture)
from tests.bots.web.helpers import log_in_editor, post_need, sign_up_organisation

DOC = Path(__file__).resolve().parents[2] / "docs" / "web.md"


def _section(heading: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    return text.split(heading, 1)[1].split("\n#", 1)[0]


def _first_column(section: str) -> list[str]:
    return re.findall(r"^\| `([a-z_]+)` \|", section, re.MULTILINE)


async def test_the_documented_feed_fields_are_the_fields_served(web_app: Web) -> None:  # noqa: F811
    documented = _first_column(_section("### The public feed `needs.json`"))
    org = await sign_up_organisation(web_app)
    need_id = await post_need(web_app, org)
    await moderation.review(
        web_app.app.db, web_app.app.tenant_ids["aachen"], need_id, approve=True, reason="",
        actor="test", now=web_app.clock.now(),
    )  # fmt: skip
    served = (await web_app.new_client().get("/t/aachen/needs.json")).json()["needs"]
    assert served, "a published need is served"
    assert documented == list(served[0]) == list(FEED_FIELDS)


async def test_the_documented_export_columns_are_the_columns_exported(web_app: Web) -> None:  # noqa: F811
    documented = _first_column(_section("### Export and import columns"))
    editor = await log_in_editor(web_app)
    header = next(csv.reader(io.StringIO((await editor.get("/t/aachen/editor/needs.csv")).text)))
    fields = (await editor.get("/t/aachen/editor/needs.json")).json()["fields"]
    assert documented == header == fields == list(FIELDS)
