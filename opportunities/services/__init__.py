"""Writes for the Learner Mentorship Database, one module per concern:

- ``history``: an opportunity's changes and their history (``opportunity_apply``);
- ``suggestions``: suggested entries and corrections, and their review;
- ``exports``: large exports prepared by a task;
- ``imports``: the spreadsheet's import and the admin wizard's uploads.

The code imports from those modules; the names are also re-exported here so
that ``from opportunities.services import opportunity_apply`` keeps working.
"""

from __future__ import annotations

from .exports import export_build, export_claim, export_delete_expired, export_request
from .history import (
    M2M_FIELDS,
    SCALAR_FIELDS,
    TRACKED_FIELDS,
    OpportunityDuplicate,
    diff_snapshots,
    opportunity_apply,
    opportunity_change_record,
    opportunity_check_unique,
    opportunity_find,
    opportunity_snapshot,
    values_snapshot,
)
from .imports import ImportReport, ImportRowResult, import_uploads_delete_stale, opportunity_import
from .suggestions import (
    SuggestionAlreadyReviewed,
    specialties_by_name,
    suggestion_approve,
    suggestion_create,
    suggestion_reject,
    suggestion_values,
)

__all__ = [
    "M2M_FIELDS",
    "SCALAR_FIELDS",
    "TRACKED_FIELDS",
    "ImportReport",
    "ImportRowResult",
    "OpportunityDuplicate",
    "SuggestionAlreadyReviewed",
    "diff_snapshots",
    "export_build",
    "export_claim",
    "export_delete_expired",
    "export_request",
    "import_uploads_delete_stale",
    "opportunity_apply",
    "opportunity_change_record",
    "opportunity_check_unique",
    "opportunity_find",
    "opportunity_import",
    "opportunity_snapshot",
    "specialties_by_name",
    "suggestion_approve",
    "suggestion_create",
    "suggestion_reject",
    "suggestion_values",
    "values_snapshot",
]
