"""Tenant rows mirror the tenant files (the files are the source)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from core.db import Database
from core.errors import UnknownTenant
from core.models import Tenant
from core.tenants import TenantConfig


async def sync_tenants(db: Database, configs: Mapping[str, TenantConfig]) -> dict[str, int]:
    """Insert or update a row per tenant file; returns slug -> id."""
    async with db.transaction() as session:
        rows = {t.slug: t for t in (await session.scalars(select(Tenant))).all()}
        for slug, cfg in configs.items():
            row = rows.get(slug) or Tenant(slug=slug)
            row.name = cfg.name
            row.center_lat, row.center_lon = cfg.region_center
            row.radius_km = cfg.region_radius_km
            row.show_neighbours = cfg.show_neighbours
            row.moderation_required = cfg.moderation_required
            row.corrections_without_review = cfg.corrections_without_review
            row.retention_months = cfg.privacy.retention_months
            row.timezone = cfg.timezone
            row.quiet_start = cfg.notifications.quiet_start
            row.quiet_end = cfg.notifications.quiet_end
            row.weekly_budget = cfg.notifications.weekly_budget
            session.add(row)
            rows[slug] = row
        await session.flush()
        return {slug: row.id for slug, row in rows.items()}


async def tenant_id(db: Database, slug: str) -> int:
    async with db.sessions() as session:
        found = await session.scalar(select(Tenant.id).where(Tenant.slug == slug))
    if found is None:
        raise UnknownTenant(slug=slug)
    return found
