"""Issue 11, finding 3: the chat shows a need only when a volunteer may see
it: published by an editor, not hidden, not over, of the person's own
municipality or a neighbour where the municipality shows neighbours. Deep
links (``/start need_<id>``), ``need:<id>`` payloads and sign-ups all check."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select, update

from core.models import Engagement, Need, NeedStatus, Tenant
from tests.dialogue.harness import Conversation
from tests.dialogue.test_reminder_answers import onboard


async def _need_of(conversation: Conversation, tenant: str) -> tuple[int, str]:
    async with conversation.app.db.sessions() as session:
        row = (
            await session.execute(
                select(Need.id, Need.title)
                .join(Tenant, Tenant.id == Need.tenant_id)
                .where(
                    Tenant.slug == tenant,
                    Need.status == NeedStatus.PUBLISHED,
                    Need.starts_at.is_not(None),
                    Need.starts_at > conversation.app.now(),
                )
                .order_by(Need.id)
            )
        ).first()
    assert row is not None
    return int(row[0]), str(row[1])


async def _set(conversation: Conversation, need_id: int, **values: object) -> None:
    async with conversation.app.db.transaction() as session:
        await session.execute(update(Need).where(Need.id == need_id).values(**values))


async def _hide_neighbours(conversation: Conversation) -> None:
    async with conversation.app.db.transaction() as session:
        await session.execute(
            update(Tenant).where(Tenant.slug == "aachen").values(show_neighbours=False)
        )


async def _engagements(conversation: Conversation, need_id: int) -> int:
    async with conversation.app.db.sessions() as session:
        return int(
            await session.scalar(
                select(func.count()).select_from(Engagement).where(Engagement.need_id == need_id)
            )
            or 0
        )


OPENERS: dict[str, Callable[[Conversation, int], object]] = {
    "deep_link": lambda c, n: c.command("start", f"need_{n}"),
    "payload": lambda c, n: c.press(f"need:{n}"),
}


@pytest.mark.parametrize("opener", sorted(OPENERS))
async def test_a_visible_need_shows(conversation: Conversation, opener: str) -> None:
    need_id, title = await _need_of(conversation, "aachen")
    await OPENERS[opener](conversation, need_id)  # type: ignore[misc]
    assert title in conversation.text
    assert f"need:{need_id}:signup" in conversation.payloads()


@pytest.mark.parametrize("opener", sorted(OPENERS))
@pytest.mark.parametrize("why", ["hidden", "pending", "no_published_at", "neighbour_hidden"])
async def test_a_need_a_volunteer_may_not_see_shows_nothing_of_it(
    conversation: Conversation, opener: str, why: str
) -> None:
    tenant = "stolberg" if why == "neighbour_hidden" else "aachen"
    need_id, title = await _need_of(conversation, tenant)
    if why == "hidden":
        await _set(conversation, need_id, hidden=True)
    elif why == "pending":
        await _set(conversation, need_id, status=NeedStatus.PENDING_REVIEW, published_at=None)
    elif why == "no_published_at":
        await _set(conversation, need_id, published_at=None)
    else:
        await _hide_neighbours(conversation)
    await OPENERS[opener](conversation, need_id)  # type: ignore[misc]
    assert title not in conversation.text
    assert f"need:{need_id}:signup" not in conversation.payloads()
    assert "Dieses Angebot gibt es nicht" in conversation.text


async def test_a_neighbours_need_shows_where_the_municipality_shows_neighbours(
    conversation: Conversation,
) -> None:
    need_id, title = await _need_of(conversation, "stolberg")
    await conversation.command("start", f"need_{need_id}")
    assert title in conversation.text


@pytest.mark.parametrize("why", ["hidden", "pending", "neighbour_hidden"])
async def test_signing_up_for_a_need_one_may_not_see_signs_up_nobody(
    conversation: Conversation, why: str
) -> None:
    await onboard(conversation)
    tenant = "stolberg" if why == "neighbour_hidden" else "aachen"
    need_id, title = await _need_of(conversation, tenant)
    if why == "hidden":
        await _set(conversation, need_id, hidden=True)
    elif why == "pending":
        await _set(conversation, need_id, status=NeedStatus.PENDING_REVIEW, published_at=None)
    else:
        await _hide_neighbours(conversation)
    await conversation.press(f"need:{need_id}:signup")
    assert title not in conversation.text
    assert await _engagements(conversation, need_id) == 0
