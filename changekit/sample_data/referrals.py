"""Synthetic GP referrals to community paediatrics, April 2023 to March 2025.

Case study 1 of the course: about a third of GP referrals to community
paediatrics had to be redirected to another service; a directory of local
services, launched in month 13 (April 2024), brought that down. The model,
documented column by column in ``data/README.md``:

- volume: 15 GP referrals a year per 1,000 registered children (aged 0-15, the
  children of ``population.csv`` in the same 30 practices), about 45 a month,
  with monthly noise and a dip in August and December;
- redirection: a logistic model with a baseline near 35%, large differences
  between reasons (speech delay and continence are usually for another
  service), a random effect per practice plus two outliers above and one below, and the
  directory's effect growing along a logistic uptake curve from launch,
  faster in some practices than others;
- where a redirected referral went depends on the reason and the child's age,
  always a service whose entry in ``services.csv`` lists that reason and age.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# Chosen from the first 60 seeds tried (20230401 upwards) as one whose charts tell the
# case study's story with realistic numbers: see data/README.md.
SEED = 20230405
FIRST_MONTH = pd.Period("2023-04", freq="M")
MONTHS = 24
LAUNCH_MONTH = 13  # the directory goes live in April 2024
UPTAKE_MIDPOINT = 15.5  # month by which half the eventual effect is reached
UPTAKE_SCALE = 1.2  # months; smaller means a steeper uptake
PRACTICES = 30
# GP referrals to community paediatrics a year per 1,000 registered children
# aged 0-15 (derived in data/README.md from Thompson and Ni Bhrolchain 2013 and
# Parr et al. 2024): about 540 a year from the borough's ~36,000 children.
REFERRALS_PER_1000_CHILDREN = 15
MONTH_NOISE_SD = 0.04  # log scale: month-to-month variation beyond Poisson
# Relative volume by calendar month: school holidays in August, Christmas in December.
SEASONALITY = {1: 1.05, 2: 1.0, 3: 1.05, 4: 0.95, 5: 1.0, 6: 1.05,
               7: 1.0, 8: 0.72, 9: 1.05, 10: 1.05, 11: 1.05, 12: 0.85}  # fmt: skip
BASELINE_LOG_ODDS = (
    -1.05
)  # with the reason mix and outliers below, about 35% redirected before launch
DIRECTORY_EFFECT = 1.45  # fall in log odds of redirection once a practice uses the directory
PRACTICE_SD = 0.2  # log odds; ordinary variation between practices
# Practices that redirect far more (or less) often than the rest, in log odds. With
# 5 to 32 referrals a practice a year only large practices with large differences
# can lie beyond a funnel plot's 99.8% limits, so these are three of the largest lists.
PRACTICE_OUTLIERS = {"Y90004": 1.6, "Y90021": 1.4, "Y90017": -2.2}


@dataclass(frozen=True)
class ReasonModel:
    """How one referral reason behaves: how common, how often redirected, ages, destinations.

    ``destinations`` pairs an upper age limit (months, exclusive) with the
    service a redirected referral of a younger child goes to.
    """

    reason: str
    weight: float
    log_odds: float
    ages: tuple[int, int, int]  # youngest, most common, oldest (months)
    destinations: tuple[tuple[int, str], ...]


REASON_MODELS = (
    ReasonModel("developmental delay", 16, -1.6, (3, 24, 59), ((216, "Health visiting"),)),
    ReasonModel(
        "speech and language delay", 13, 1.4, (12, 30, 84), ((216, "Speech and language therapy"),)
    ),
    ReasonModel(
        "suspected autism",
        17,
        -0.6,
        (18, 48, 180),
        ((60, "Speech and language therapy"), (216, "CAMHS")),
    ),
    ReasonModel("ADHD assessment", 10, 0.1, (60, 108, 192), ((216, "CAMHS"),)),
    ReasonModel(
        "behaviour concerns",
        10,
        0.6,
        (18, 60, 168),
        ((60, "Health visiting"), (216, "Early help and parenting support")),
    ),
    ReasonModel(
        "continence (wetting or soiling)",
        8,
        1.4,
        (36, 84, 168),
        ((60, "Health visiting"), (216, "Children's bladder and bowel service")),
    ),
    ReasonModel(
        "feeding and growth",
        9,
        -0.2,
        (0, 8, 120),
        ((24, "Health visiting"), (216, "Acute paediatric outpatients")),
    ),
    ReasonModel(
        "sleep problems", 6, 0.8, (6, 30, 144), ((60, "Health visiting"), (216, "School nursing"))
    ),
    ReasonModel("headache", 5, 1.2, (48, 132, 204), ((216, "Acute paediatric outpatients"),)),
    ReasonModel(
        "safeguarding concern", 5, 1.0, (0, 60, 204), ((216, "Children's social care (MASH)"),)
    ),
)


def practice_codes() -> list[str]:
    """The synthetic practice codes, Y90001 to Y90030 (not real ODS codes)."""
    return [f"Y9{i:04d}" for i in range(1, PRACTICES + 1)]


def uptake(month: np.ndarray) -> np.ndarray:
    """Share of the directory's full effect reached by month (1-based): 0 before launch."""
    curve = 1 / (1 + np.exp(-(month - UPTAKE_MIDPOINT) / UPTAKE_SCALE))
    return np.where(month >= LAUNCH_MONTH, curve, 0.0)


def registered_children() -> pd.Series:
    """Children aged 0-15 registered with each practice: the rows of ``population.csv``."""
    from changekit.sample_data import population  # imported here: population imports this module

    children = population.generate()["population.csv"]["practice_code"].value_counts()
    return children.reindex(practice_codes())


def _practices(rng: np.random.Generator) -> pd.DataFrame:
    """Per practice: registered children, log-odds effect, directory adoption."""
    codes = practice_codes()
    effect = rng.normal(0.0, PRACTICE_SD, PRACTICES)
    effect += np.array([PRACTICE_OUTLIERS.get(code, 0.0) for code in codes])
    adoption = rng.uniform(0.7, 1.1, PRACTICES)
    return pd.DataFrame(
        {"children": registered_children().to_numpy(), "effect": effect, "adoption": adoption},
        index=codes,
    )


def _monthly_counts(rng: np.random.Generator, children: np.ndarray) -> np.ndarray:
    """Referrals per month (rows) and practice (columns): seasonal, noisy, Poisson.

    The seasonal factors are scaled to average 1, so a year's expected referrals
    are ``REFERRALS_PER_1000_CHILDREN`` per 1,000 children.
    """
    months = [FIRST_MONTH + i for i in range(MONTHS)]
    season = np.array([SEASONALITY[m.month] for m in months])
    season = season / np.mean(list(SEASONALITY.values()))
    noise = rng.lognormal(0.0, MONTH_NOISE_SD, MONTHS)
    per_child_month = REFERRALS_PER_1000_CHILDREN / 1000 / 12
    return rng.poisson(np.outer(per_child_month * season * noise, children))


def _working_days(month: pd.Period) -> pd.DatetimeIndex:
    """Monday-to-Friday dates in a month: referrals are sent on working days."""
    return pd.bdate_range(month.start_time, month.end_time.normalize())


def _dates(rng: np.random.Generator, month_index: np.ndarray) -> np.ndarray:
    """A random working day in each referral's month."""
    dates = np.empty(month_index.size, dtype="datetime64[D]")
    for i in range(MONTHS):
        here = month_index == i
        days = _working_days(FIRST_MONTH + i).to_numpy().astype("datetime64[D]")
        dates[here] = days[rng.integers(0, days.size, here.sum())]
    return dates


def _destinations(reasons: np.ndarray, ages: np.ndarray) -> np.ndarray:
    """The service each referral would be redirected to, from its reason and age."""
    out = np.empty(reasons.size, dtype=object)
    for model in REASON_MODELS:
        here = reasons == model.reason
        limits = np.array([limit for limit, _ in model.destinations])
        services = np.array([service for _, service in model.destinations], dtype=object)
        out[here] = services[np.searchsorted(limits, ages[here], side="right")]
    return out


def _decision_days(rng: np.random.Generator, redirected: np.ndarray) -> np.ndarray:
    """Days from receipt to the triage decision: a redirection takes longer (letters, calls)."""
    accepted_days = 1 + rng.gamma(2.0, 2.0, redirected.size)
    redirected_days = 3 + rng.gamma(2.5, 3.0, redirected.size)
    return np.floor(np.where(redirected, redirected_days, accepted_days)).astype(int)


def generate() -> dict[str, pd.DataFrame]:
    """``{"referrals.csv": table}``: the same table, byte for byte, on every run."""
    rng = np.random.default_rng(SEED)
    practices = _practices(rng)
    counts = _monthly_counts(rng, practices["children"].to_numpy())
    month_index, practice_index = np.nonzero(counts > 0)
    repeats = counts[month_index, practice_index]
    month_index = np.repeat(month_index, repeats)
    practice = practices.iloc[np.repeat(practice_index, repeats)]
    n = month_index.size

    weights = np.array([m.weight for m in REASON_MODELS], dtype=float)
    which = rng.choice(len(REASON_MODELS), size=n, p=weights / weights.sum())
    reasons = np.array([m.reason for m in REASON_MODELS], dtype=object)[which]
    low, mode, high = (np.array([m.ages[k] for m in REASON_MODELS])[which] for k in range(3))
    ages = np.clip(np.floor(rng.triangular(low, mode, high + 1)), 0, 215).astype(int)

    log_odds = (
        BASELINE_LOG_ODDS
        + np.array([m.log_odds for m in REASON_MODELS])[which]
        + practice["effect"].to_numpy()
        - DIRECTORY_EFFECT * uptake(month_index + 1) * practice["adoption"].to_numpy()
    )
    redirected = rng.random(n) < 1 / (1 + np.exp(-log_odds))

    table = pd.DataFrame(
        {
            "referral_date": _dates(rng, month_index),
            "practice_code": practice.index.to_numpy(),
            "age_months": ages,
            "reason": reasons,
            "outcome": np.where(redirected, "redirected", "accepted"),
            "redirected_to": np.where(redirected, _destinations(reasons, ages), ""),
            "decision_days": _decision_days(rng, redirected),
        }
    )
    table = table.sort_values(["referral_date", "practice_code"], kind="stable", ignore_index=True)
    table.insert(0, "referral_id", [f"R{i:06d}" for i in range(1, len(table) + 1)])
    table["referral_date"] = table["referral_date"].dt.strftime("%Y-%m-%d")
    return {"referrals.csv": table}
