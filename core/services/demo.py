"""The demo: organisations, needs and sample volunteers from
``data/demo/seed.yml``, with dates relative to the seeding day."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import func, select

from core.db import Database
from core.models import Need, NeedStatus, Organisation, OrgKind
from core.schedule import Weekly, local_range
from core.services.needs import NeedInput, PlaceResolver, moderate, post_need
from core.services.people import register_with_consent
from core.services.profiles import ProfileData, save_profile
from core.settings import DATA_DIR
from core.taxonomy import Taxonomy
from core.tenants import TenantConfig

SEED_FILE = DATA_DIR / "demo" / "seed.yml"


@dataclass(frozen=True, slots=True)
class DemoVolunteer:
    name: str
    tenant: str
    identity: str
    person_id: int


@dataclass(frozen=True, slots=True)
class SeedResult:
    organisations: int
    needs: int
    volunteers: tuple[DemoVolunteer, ...]


def load_seed(path: Path = SEED_FILE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


async def is_empty(db: Database) -> bool:
    async with db.sessions() as session:
        return not await session.scalar(select(func.count()).select_from(Organisation))


async def seed_demo(
    db: Database,
    *,
    tenants: Mapping[str, TenantConfig],
    tenant_ids: Mapping[str, int],
    taxonomy: Taxonomy,
    places: PlaceResolver,
    now: datetime,
    path: Path = SEED_FILE,
) -> SeedResult:
    """Create the demo. Needs are published directly (the demo shows matches;
    moderation is shown with needs posted later)."""
    raw = _configured_only(load_seed(path), tenants)
    org_ids: dict[str, int] = {}
    async with db.transaction() as session:
        for org in raw["organisations"]:
            row = Organisation(
                tenant_id=tenant_ids[org["tenant"]],
                name=org["name"],
                kind=OrgKind(org["kind"]),
                contact_name=org.get("contact_name"),
                email=org.get("email"),
                phone=org.get("phone"),
                verified=bool(org.get("verified", True)),
                created_at=now,
            )
            session.add(row)
            await session.flush()
            org_ids[org["key"]] = row.id
    need_ids = []
    org_tenant = {o["key"]: o["tenant"] for o in raw["organisations"]}
    for item in raw["needs"]:
        tenant = tenants[org_tenant[item["org"]]]
        tz = ZoneInfo(tenant.timezone)
        ref = await post_need(
            db,
            organisation_id=org_ids[item["org"]],
            data=_need_input(item, now, tz),
            taxonomy=taxonomy,
            places=places,
            now=now,
            tz=tz,
            actor="system:demo",
        )
        need_ids.append(ref.id)
    async with db.sessions() as session:
        pending = (
            await session.scalars(
                select(Need.id).where(
                    Need.id.in_(need_ids), Need.status == NeedStatus.PENDING_REVIEW
                )
            )
        ).all()
    # Demo needs are shown at once, as if an editor had approved them.
    for need_id in pending:
        await moderate(db, need_id, approve=True, reason=None, actor="system:demo", now=now)
    volunteers = [
        await _volunteer(db, v, tenants, taxonomy, places, now) for v in raw.get("volunteers", [])
    ]
    return SeedResult(len(org_ids), len(need_ids), tuple(volunteers))


def _configured_only(raw: dict[str, Any], tenants: Mapping[str, TenantConfig]) -> dict[str, Any]:
    """The part of the seed whose tenants this deployment has (a municipality
    with its own tenant files gets no demo data at all)."""
    orgs = [o for o in raw["organisations"] if o["tenant"] in tenants]
    keys = {o["key"] for o in orgs}
    return {
        "organisations": orgs,
        "needs": [n for n in raw["needs"] if n["org"] in keys],
        "volunteers": [v for v in raw.get("volunteers", []) if v["tenant"] in tenants],
    }


def _need_input(item: Mapping[str, Any], now: datetime, tz: ZoneInfo) -> NeedInput:
    starts_at = ends_at = None
    weekly = None
    if "weekly" in item:
        weekly = Weekly.from_dict(item["weekly"])
    else:
        once = item["once"]
        day: date = now.astimezone(tz).date() + timedelta(days=int(once["in_days"]))
        starts_at, ends_at = local_range(
            day, time.fromisoformat(once["from"]), time.fromisoformat(once["to"]), tz
        )
    return NeedInput(
        title=item["title"],
        description=item.get("description", ""),
        category=item["category"],
        qualifications=tuple(item.get("qualifications", ())),
        place=item.get("place"),
        remote=bool(item.get("remote", False)),
        starts_at=starts_at,
        ends_at=ends_at,
        weekly=weekly,
        helpers_wanted=int(item.get("helpers", 1)),
        urgent=bool(item.get("urgent", False)),
    )


async def _volunteer(
    db: Database,
    item: Mapping[str, Any],
    tenants: Mapping[str, TenantConfig],
    taxonomy: Taxonomy,
    places: PlaceResolver,
    now: datetime,
) -> DemoVolunteer:
    tenant = tenants[item["tenant"]]
    identity = f"demo:{item['name'].lower()}"
    person = await register_with_consent(
        db,
        tenant_slug=tenant.slug,
        identity=identity,
        consent_version=tenant.privacy.consent_version,
        language=item.get("language", "de"),
        now=now,
        display_name=item["name"],
    )
    lat, lon, label = places.resolve(item["place"], tenant.slug)
    await save_profile(
        db,
        ProfileData(
            person_id=person.id,
            tenant_id=person.tenant_id,
            interests=tuple(item.get("interests", ())),
            qualifications=tuple(item.get("qualifications", ())),
            home_lat=lat,
            home_lon=lon,
            home_label=label,
            radius_km=float(item.get("radius_km", 10)),
            availability=tuple(item.get("availability", ())),
            spontaneous=bool(item.get("spontaneous", False)),
            urgent_alerts=bool(item.get("urgent_alerts", False)),
        ),
        taxonomy,
        now,
    )
    return DemoVolunteer(item["name"], tenant.slug, identity, person.id)
