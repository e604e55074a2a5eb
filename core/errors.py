"""Named domain errors. Each carries a message key from ``data/texts`` and the
values that text needs, so a channel can tell the person what to fix."""

from __future__ import annotations

from typing import Any


class ConfigError(Exception):
    """An operator's configuration (tenant file, environment) is wrong."""


class DomainError(Exception):
    key: str = "error.generic"

    def __init__(self, key: str | None = None, **params: Any) -> None:
        self.key = key or self.key
        self.params = params
        super().__init__(f"{self.key} {params}" if params else self.key)


class UnknownPlace(DomainError):
    key = "error.unknown_place"

    def __init__(self, name: str, suggestions: list[str] | None = None) -> None:
        super().__init__(name=name, suggestions=suggestions or [])
        self.name = name
        self.suggestions = suggestions or []


class UnknownCategory(DomainError):
    key = "error.unknown_category"


class UnknownQualification(DomainError):
    key = "error.unknown_qualification"


class InvalidTimeRange(DomainError):
    key = "error.invalid_time_range"


class InvalidRadius(DomainError):
    key = "error.invalid_radius"


class PlaceRequired(DomainError):
    key = "error.place_required"


class InvalidValue(DomainError):
    key = "error.invalid_value"


class UnknownNeed(DomainError):
    key = "error.unknown_need"


class NeedNotOpen(DomainError):
    key = "error.need_not_open"


class DatePassed(DomainError):
    """An editor approves a need whose (last) date is over."""

    key = "error.date_passed"


class ChangePending(DomainError):
    """A need's change waits for review and already moves what the verb
    would (a series extended while its waiting change sets another end)."""

    key = "error.change_pending"


class OfferWithdrawn(DomainError):
    key = "offers.already_withdrawn"


class TooManyNeeds(DomainError):
    """An organisation posted its daily number of needs already."""

    key = "error.too_many_needs"


class TooManyReplies(DomainError):
    """A person sent their daily number of replies to organisations already."""

    key = "error.too_many_replies"


class AlreadySignedUp(DomainError):
    key = "error.already_signed_up"


class UnknownEngagement(DomainError):
    key = "error.unknown_engagement"


class NotAllowed(DomainError):
    key = "error.not_allowed"


class OrganisationSuspended(DomainError):
    """An editor suspended the organisation: it cannot post until reactivated."""

    key = "error.organisation_suspended"


class UnknownTenant(DomainError):
    key = "error.unknown_tenant"


class ConsentRequired(DomainError):
    key = "error.consent_required"
