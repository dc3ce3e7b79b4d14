"""Case study 1: referrals to community paediatrics, and the services directory.

- ``read_referrals``: the sample referrals (``data/referrals.csv``) or a
  trainee's own extract, with their own column names (``columns=``) and
  outcome words (``outcomes=``); ``referrals_call`` writes that call for the
  column-mapping form (``changekit.widgets.column_mapping``);
- ``read_services``: the community child-health services directory
  (``data/services.csv``), the intervention of the case study;
- their schemas (``REFERRALS``, ``SERVICES``) and categories (``REASONS``,
  ``OUTCOMES``, ``SERVICE_NAMES``); the files are described column by column
  in ``data/README.md``.

Both readers go through ``changekit.data.read_table``: the same identifier
check, the same plain-English errors naming the file, the column and the rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd

from changekit import governance
from changekit.data import Column, Schema, file_label, quoted_values, read_table
from changekit.errors import DataError
from changekit.paths import data_dir
from changekit.tables import rows_where

__all__ = [
    "OUTCOMES",
    "REASONS",
    "REFERRALS",
    "SERVICES",
    "SERVICE_NAMES",
    "outcome_key",
    "outcome_recoder",
    "read_referrals",
    "read_services",
    "referrals_call",
]

REASONS: tuple[str, ...] = (
    "developmental delay",
    "speech and language delay",
    "suspected autism",
    "ADHD assessment",
    "behaviour concerns",
    "continence (wetting or soiling)",
    "feeding and growth",
    "sleep problems",
    "headache",
    "safeguarding concern",
)
OUTCOMES: tuple[str, ...] = ("accepted", "redirected")
COMMUNITY_PAEDIATRICS = "Community paediatrics"
SERVICE_NAMES: tuple[str, ...] = (
    COMMUNITY_PAEDIATRICS,
    "Health visiting",
    "School nursing",
    "Speech and language therapy",
    "CAMHS",
    "Children's bladder and bowel service",
    "Acute paediatric outpatients",
    "Children's social care (MASH)",
    "Early help and parenting support",
)
MAX_AGE_MONTHS = 215  # the month before the 18th birthday

REFERRALS = Schema(
    "referrals",
    (
        Column("referral_id"),
        Column("referral_date", "date"),
        Column("practice_code"),
        Column("age_months", "int", minimum=0, maximum=MAX_AGE_MONTHS),
        # A trainee's own extract has its own categories: the sample data's
        # (REASONS, SERVICE_NAMES) are documented in data/README.md, not enforced.
        Column("reason"),
        Column("outcome", allowed=OUTCOMES),
        Column("redirected_to", required=False),
        Column("decision_days", "int", minimum=0),
    ),
)

SERVICES = Schema(
    "services",
    (
        Column("service", allowed=SERVICE_NAMES),
        Column("accepts"),
        Column("does_not_accept"),
        Column("age_range"),
        Column("min_age_months", "int", minimum=0, maximum=240),
        Column("max_age_months", "int", minimum=0, maximum=240),
        Column("how_to_refer"),
        Column("contact_route"),
        Column("reasons", allowed=REASONS, separator=";"),
    ),
)


def outcome_key(word: str) -> str:
    """An outcome word without regard to case and spacing: ' Rejected -  signposted' -> 'rejected - signposted'."""
    return " ".join(word.lower().split())


def outcome_recoder(outcomes: Mapping[str, str] | None) -> Callable[[pd.Series, Path], pd.Series]:
    """Turns a file's outcome words into 'accepted' or 'redirected', as ``outcomes`` maps them.

    'accepted' and 'redirected' themselves are understood in any case; other
    words must be mapped. Unmapped words raise one ``DataError`` that lists
    them with their rows and shows the ``outcomes=`` line to write.
    """
    known = {word: word for word in OUTCOMES}
    for word, meaning in (outcomes or {}).items():
        if meaning not in OUTCOMES:
            raise DataError(
                f"outcomes= maps {word!r} to {meaning!r}: map each of your outcome words to "
                "'accepted' or 'redirected'."
            )
        known[outcome_key(word)] = meaning

    def recode(cells: pd.Series, path: Path) -> pd.Series:
        keys = cells.map(outcome_key)
        unknown = (cells != "") & ~keys.isin(known)
        if unknown.any():
            words = list(dict.fromkeys(cells[unknown].map(governance.mask)))
            line = ", ".join(f"{w!r}: 'accepted or redirected'" for w in words[:6])
            raise DataError(
                f"Could not use {file_label(path)}: column 'outcome' has words the course does not know, "
                f"{rows_where(unknown)}: {quoted_values(cells[unknown])}. Each referral's outcome must mean "
                "'accepted' or 'redirected' (turned away, signposted elsewhere). To fix: say what each of your "
                f"words means, e.g. read_referrals(path, outcomes={{{line}}}), choosing one of the two for each."
            )
        return keys.map(known).where(cells != "", "")

    return recode


def referrals_call(
    path: str | Path, columns: Mapping[str, str], outcomes: Mapping[str, str]
) -> str:
    """The ``read_referrals(...)`` line that reads ``path`` with these mappings, to paste into a notebook."""
    parts = [repr(str(path))]
    if columns:
        parts.append(f"columns={dict(columns)!r}")
    if outcomes:
        parts.append(f"outcomes={dict(outcomes)!r}")
    return f"referrals = read_referrals({', '.join(parts)})"


def read_referrals(
    path: str | Path | None = None,
    columns: Mapping[str, str] | None = None,
    outcomes: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Referrals to community paediatrics: the sample data (``data/referrals.csv``) or your own extract.

    ``columns`` maps your file's column names to the course's, e.g.
    ``{"Date received": "referral_date", "Triage outcome": "outcome"}``;
    ``outcomes`` maps your outcome words to 'accepted' or 'redirected', e.g.
    ``{"Rejected - signposted": "redirected"}`` (case and spacing do not
    matter). Reasons and services keep your own categories.
    """
    return read_table(
        data_dir() / "referrals.csv" if path is None else path,
        REFERRALS,
        columns=columns,
        recode={"outcome": outcome_recoder(outcomes)},
    )


def read_services(path: str | Path | None = None) -> pd.DataFrame:
    """The community child-health services directory (default: ``data/services.csv``)."""
    return read_table(data_dir() / "services.csv" if path is None else path, SERVICES)
