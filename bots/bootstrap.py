"""The composition root: the one place that builds the engine, clock,
database, tenants, geocoder, NLU and channels. The runner, the web app and
the tests call ``bootstrap`` (tests with overrides); nothing is built at import."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.clock import Clock, SystemClock
from core.db import Database, create_engine
from core.geo.gazetteer import Gazetteer
from core.migrate import upgrade
from core.services.privacy import PersonalFiles
from core.services.tenants import sync_tenants
from core.settings import Settings
from core.taxonomy import Taxonomy
from core.tenants import TenantConfig, load_tenants

log = logging.getLogger(__name__)


@dataclass(slots=True)
class TenantPlaces:
    """Resolves place names for a tenant: its districts and region first."""

    tenants: Mapping[str, TenantConfig]
    gazetteer: Gazetteer

    def resolve(self, name: str, tenant_slug: str) -> tuple[float, float, str]:
        from core.geo.geocoder import resolve_place

        place = resolve_place(name, self.tenants[tenant_slug], self.gazetteer)
        return place.lat, place.lon, place.name


@dataclass(slots=True)
class App:
    settings: Settings
    db: Database
    clock: Clock
    tenants: dict[str, TenantConfig]
    tenant_ids: dict[str, int]
    taxonomy: Taxonomy
    gazetteer: Gazetteer
    places: TenantPlaces
    extras: dict[str, Any] = field(default_factory=dict)
    _engine: Any = None

    def now(self) -> datetime:
        return self.clock.now()

    @property
    def engine(self) -> Any:
        """The dialogue engine, built on first use (it trains the NLU)."""
        if self._engine is None:
            from dialogue.engine import build_engine

            self._engine = build_engine(self)
        return self._engine

    @engine.setter
    def engine(self, value: Any) -> None:
        self._engine = value

    @property
    def personal_files(self) -> PersonalFiles:
        """Personal data outside the database, for erasure (running channels
        add their forget hooks here)."""
        files = self.extras.get("personal_files")
        if files is None:
            files = PersonalFiles.of(self.settings.data_dir, self.settings.outbox_dir)
            self.extras["personal_files"] = files
        return files  # type: ignore[no-any-return]

    async def close(self) -> None:
        await self.db.dispose()


async def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    db: Database | None = None,
    tenants: dict[str, TenantConfig] | None = None,
    migrate: bool = True,
) -> App:
    """Build the application. ``migrate`` runs Alembic up to head first."""
    settings = settings or Settings.from_env()
    if db is None:
        if migrate:
            await upgrade(settings.database_url)
        db = Database(create_engine(settings.database_url))
    tenants = tenants if tenants is not None else load_tenants(settings.tenants_dir)
    tenant_ids = await sync_tenants(db, tenants)
    gazetteer = Gazetteer.default()
    return App(
        settings=settings,
        db=db,
        clock=clock or SystemClock(),
        tenants=tenants,
        tenant_ids=tenant_ids,
        taxonomy=Taxonomy.load(),
        gazetteer=gazetteer,
        places=TenantPlaces(tenants, gazetteer),
    )


__all__ = ["App", "TenantPlaces", "bootstrap"]
