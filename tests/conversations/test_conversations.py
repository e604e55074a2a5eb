"""Golden conversations: every ``*.yml`` here, run through the engine.

The format is described at the top of ``onboarding_buttons.yml``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from bots.bootstrap import App
from core.clock import FixedClock
from core.db import Database
from core.models import Membership, Organisation, Role
from core.services.demo import seed_demo
from core.services.people import person_for_identity
from core.tenants import TenantConfig
from tests.dialogue.conftest import make_app
from tests.dialogue.harness import Conversation

HERE = Path(__file__).parent
SCENARIOS = sorted(HERE.glob("*.yml"))
LOADED = {p: yaml.safe_load(p.read_text(encoding="utf-8")) for p in SCENARIOS}


def _check(name: str, i: int, conv: Conversation, expect: dict[str, Any], flow: Any) -> None:
    where = f"{name} step {i + 1}"
    text = conv.text.casefold()
    assert conv.replies, f"{where}: no reply"
    assert "traceback" not in text, where
    for wanted in expect.get("text_contains", []):
        assert wanted.casefold() in text, f"{where}: {wanted!r} not in {conv.text!r}"
    for unwanted in expect.get("text_not_contains", []):
        assert unwanted.casefold() not in text, f"{where}: {unwanted!r} in {conv.text!r}"
    labels_and_payloads = {x for pair in conv.buttons for x in pair}
    for wanted in expect.get("buttons_include", []):
        assert wanted in labels_and_payloads or any(wanted in label for label, _ in conv.buttons), (
            f"{where}: button {wanted!r} not in {conv.buttons}"
        )
    if "attachment" in expect:
        names = [a.filename for r in conv.replies for a in r.attachments]
        assert any(n.endswith(expect["attachment"]) for n in names), f"{where}: {names}"
    if "request_location" in expect:
        assert any(r.request_location for r in conv.replies) == expect["request_location"], where
    if "state_flow" in expect:
        assert flow == expect["state_flow"], f"{where}: flow {flow!r}"


def _pick(conv: Conversation, wanted: str) -> str:
    buttons = conv.buttons
    for _, payload in buttons:
        if payload == wanted:
            return payload
    for label, payload in buttons:
        if wanted.casefold() in label.casefold():
            return payload
    for _, payload in buttons:
        if wanted in payload:
            return payload
    raise AssertionError(f"no button like {wanted!r} in {buttons}")


async def _link(app: App, identity: str, tenant: str, organisation: str, now: datetime) -> None:
    person = await person_for_identity(app.db, identity, tenant)
    assert person is not None, "setup member_of needs a person (consent first)"
    async with app.db.transaction() as session:
        org = (
            await session.execute(select(Organisation).where(Organisation.name == organisation))
        ).scalar_one()
        session.add(
            Membership(
                tenant_id=org.tenant_id,
                organisation_id=org.id,
                person_id=person.id,
                role=Role.MEMBER,
                created_at=now,
            )
        )


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
async def test_conversation(
    path: Path,
    sqlite_db: Database,
    clock: FixedClock,
    tenants: dict[str, TenantConfig],
    tmp_path: Path,
) -> None:
    scenario = LOADED[path]
    if scenario.get("now"):
        clock.set(datetime.fromisoformat(scenario["now"]))
    app = await make_app(sqlite_db, clock, tenants, tmp_path)
    if scenario.get("demo", True):
        await seed_demo(
            sqlite_db,
            tenants=app.tenants,
            tenant_ids=app.tenant_ids,
            taxonomy=app.taxonomy,
            places=app.places,
            now=clock.now(),
        )
    tenant = scenario.get("tenant", "aachen")
    people: dict[str, Conversation] = {}
    for i, step in enumerate(scenario["steps"]):
        user = str(step.get("user", "u1"))
        conv = people.setdefault(user, Conversation(app, identity=f"test:{user}", tenant=tenant))
        if step.get("now"):
            clock.set(datetime.fromisoformat(step["now"]))
        if step.get("restart"):
            app = await make_app(sqlite_db, clock, tenants, tmp_path)
            for other in people.values():
                other.app = app
            continue
        if "setup" in step:
            await _link(app, conv.identity, tenant, step["setup"]["member_of"], clock.now())
            continue
        if "text" in step:
            await conv.say(str(step["text"]))
        elif "button" in step:
            await conv.send(conv._incoming(button=str(step["button"])))
        elif "press" in step:
            await conv.send(conv._incoming(button=_pick(conv, str(step["press"]))))
        elif "location" in step:
            await conv.share_location(step["location"]["lat"], step["location"]["lon"])
        elif "command" in step:
            await conv.command(str(step["command"]), str(step.get("args", "")))
        else:
            raise AssertionError(f"{path.name} step {i + 1}: no input")
        flow = (await conv.state()).flow
        _check(path.name, i, conv, step.get("expect") or {}, flow)
