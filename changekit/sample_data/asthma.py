"""A borough's asthma register for children aged 5-16, for an audit against NICE QS25.

One row per child on the asthma register of 30 fictional practices
(Y90001-Y90030), as an audit extract on 31 March 2026 would give it: age, age at
diagnosis, whether an objective test was recorded, written action plan, last
review, control and inhaler technique, the most recent emergency care for an
attack and the follow-up after it, and the reliever (SABA) and preventer (ICS)
prescriptions of the last 12 months.

Each practice varies around the borough (a random effect per measure), and
four differ on purpose so that the funnel plots have outliers: Y90007 runs a
nurse-led asthma clinic (many action plans), Y90019 lost its practice nurse
(few reviews), Y90024 is a large practice with few action plans, and Y90012
has many children using too much reliever. A second table gives 24 months of
reviews across the borough (the last 12 derived from the register's review
dates), the baseline for an SPC chart. Calibration: ``data/README.md``.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from changekit.asthma import AUDIT_END, ENGLAND_BANK_HOLIDAYS, audit_start

SEED = 20_260_331
PRACTICES = tuple(f"Y{90001 + i}" for i in range(30))
# Register sizes: ~14% of a list are aged 5-16 and ~1 in 11 of them has asthma,
# so a practice of 4,000-15,000 patients has 50-190 children on its register.
REGISTER_MEDIAN, REGISTER_SPREAD = 95, 0.4
LARGE_PRACTICE = ("Y90024", 230)

# Chances for a typical practice (logit scale below), tuned so that the borough
# gives the figures in data/README.md.
BASE = {
    "objective_test": 0.50,  # diagnosed at 5+, before the recent-diagnosis uplift
    "annual_review": 0.74,
    "action_plan": 0.47,  # among children reviewed in the year
    "control_assessed": 0.80,  # among children reviewed in the year
    "inhaler_technique": 0.92,  # among children reviewed in the year
    "followup_2wd": 0.50,
}
INHALER_CHECK_WITHOUT_REVIEW = 0.08  # e.g. by a community pharmacist
OBJECTIVE_TEST_BEFORE_5 = 0.04
EMERGENCY_CARE = 0.08  # attack treated in hospital or out of hours in the year
PRACTICE_SD = 0.35  # between-practice spread on the logit scale
PLANTED = {
    "Y90007": {"action_plan": 1.6, "annual_review": 0.5},
    "Y90019": {"annual_review": -1.3, "inhaler_technique": -0.7},
    "Y90024": {"action_plan": -1.0},
    "Y90012": {"saba": 0.9},
}
SABA_MEAN, SABA_DISPERSION = 2.2, 1.3
SABA_MOST = 30  # items in a year; the rare larger counts in real extracts are usually errors
# Reviews by month from April: fewer in August and December, more in the autumn
# and before the end of the financial year.
REVIEW_SEASON = np.array([0.8, 0.85, 0.85, 0.8, 0.55, 1.1, 1.3, 1.2, 0.75, 1.1, 1.25, 1.45])
# Attacks by month from April: the September peak after the return to school, and winter.
ATTACK_SEASON = np.array([0.8, 0.8, 0.7, 0.6, 0.5, 1.7, 1.3, 1.2, 1.2, 1.1, 1.0, 0.9])


def generate() -> dict[str, pd.DataFrame]:
    """The register and the monthly review series, identical on every run."""
    rng = np.random.default_rng(SEED)
    effects = _practice_effects(rng)
    register = pd.concat(
        [_practice_register(code, n, effects.loc[code], rng) for code, n in _sizes(rng).items()],
        ignore_index=True,
    )
    register.insert(0, "child_id", [f"A{i:05d}" for i in range(1, len(register) + 1)])
    monthly = _monthly_reviews(register, rng)
    for column in ("last_review_date", "emergency_care_date", "followup_date"):
        register[column] = register[column].dt.strftime("%Y-%m-%d")
    return {"asthma_register.csv": register, "asthma_reviews_monthly.csv": monthly}


def _sizes(rng: np.random.Generator) -> dict[str, int]:
    """Children on each practice's register (one practice deliberately large)."""
    sizes = np.exp(rng.normal(np.log(REGISTER_MEDIAN), REGISTER_SPREAD, len(PRACTICES)))
    counts = dict(zip(PRACTICES, np.clip(sizes.round(), 40, 200).astype(int), strict=True))
    counts[LARGE_PRACTICE[0]] = LARGE_PRACTICE[1]
    return counts


def _practice_effects(rng: np.random.Generator) -> pd.DataFrame:
    """Each practice's shift from the typical practice: logit scale, and log scale for SABA."""
    keys = [*BASE, "saba"]
    effects = pd.DataFrame(
        rng.normal(0, PRACTICE_SD, (len(PRACTICES), len(keys))), index=list(PRACTICES), columns=keys
    )
    effects["saba"] *= 0.5
    for code, shifts in PLANTED.items():
        for key, shift in shifts.items():
            effects.loc[code, key] = shift
    return effects


def _practice_register(
    code: str, n: int, effect: pd.Series, rng: np.random.Generator
) -> pd.DataFrame:
    """The register of one practice: ``n`` children with their care in the audit year."""
    severity, engagement = rng.normal(size=n), rng.normal(size=n)
    age = rng.integers(5, 17, n)
    diagnosed = rng.integers(2, age + 1)

    def chance(key: str, extra: np.ndarray | float = 0.0) -> np.ndarray:
        return _expit(_logit(BASE[key]) + effect[key] + extra)

    recent = (age - diagnosed) <= 2
    tested = np.where(
        diagnosed >= 5,
        rng.random(n) < chance("objective_test", 0.9 * recent),
        rng.random(n) < OBJECTIVE_TEST_BEFORE_5,
    )
    reviewed = rng.random(n) < chance("annual_review", 0.8 * engagement)
    had_old_review = ~reviewed & (rng.random(n) < 0.65)
    action_plan = reviewed & (rng.random(n) < chance("action_plan", 0.3 * engagement))
    control = np.where(
        reviewed, rng.random(n) < chance("control_assessed"), had_old_review & (rng.random(n) < 0.7)
    )
    inhaler = np.where(
        reviewed,
        rng.random(n) < chance("inhaler_technique"),
        rng.random(n) < INHALER_CHECK_WITHOUT_REVIEW,
    )
    emergency = rng.random(n) < _expit(_logit(EMERGENCY_CARE) + 0.8 * severity - 0.3 * engagement)
    emergency_date = _attack_dates(emergency, rng)
    return pd.DataFrame(
        {
            "practice_code": code,
            "age_years": age,
            "age_at_diagnosis": diagnosed,
            "objective_test": tested,
            "action_plan": action_plan,
            "last_review_date": _review_dates(reviewed, had_old_review, rng),
            "control_assessed": control,
            "inhaler_technique_checked": inhaler,
            "emergency_care_date": emergency_date,
            "followup_date": _followups(
                emergency_date, chance("followup_2wd", 0.4 * engagement), rng
            ),
            "saba_items_12m": _reliever(severity, engagement, effect["saba"], rng),
            "ics_items_12m": _preventer(severity, engagement, rng),
        }
    )


def _review_dates(reviewed: np.ndarray, old: np.ndarray, rng: np.random.Generator) -> pd.Series:
    """Last review: a weekday in the audit year (seasonal), an earlier weekday, or none."""
    start, end = np.datetime64(audit_start(AUDIT_END)), np.datetime64(AUDIT_END)
    months = rng.choice(12, size=len(reviewed), p=REVIEW_SEASON / REVIEW_SEASON.sum())
    in_year = _day_in_month(start, months, rng)
    earlier = start - rng.integers(1, 730, len(reviewed)).astype("timedelta64[D]")
    days = np.where(reviewed, in_year, earlier)
    days = np.minimum(np.busday_offset(days, 0, roll="forward", holidays=_holidays()), end)
    dates = pd.Series(pd.to_datetime(days))
    return dates.where(reviewed | old)


def _attack_dates(emergency: np.ndarray, rng: np.random.Generator) -> pd.Series:
    """Date of the most recent attack treated in hospital or out of hours (any day of the week).

    Attacks stop a week before the audit ends, so every follow-up window has closed.
    """
    start = np.datetime64(audit_start(AUDIT_END))
    months = rng.choice(12, size=len(emergency), p=ATTACK_SEASON / ATTACK_SEASON.sum())
    days = np.minimum(_day_in_month(start, months, rng), np.datetime64(AUDIT_END) - 7)
    return pd.Series(pd.to_datetime(days)).where(emergency)


def _followups(attacks: pd.Series, prompt: np.ndarray, rng: np.random.Generator) -> pd.Series:
    """The first practice contact after the attack: within 2 working days, later, or none."""
    n = len(attacks)
    within = rng.random(n) < prompt
    late = ~within & (rng.random(n) < 0.6)
    offset = np.where(within, rng.choice([1, 2], size=n, p=[0.55, 0.45]), rng.integers(3, 16, n))
    known = attacks.notna().to_numpy()
    days = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    attack_days = attacks[known].to_numpy("datetime64[D]")
    days[known] = np.busday_offset(
        attack_days + 1, offset[known] - 1, roll="forward", holidays=_holidays()
    )
    return pd.Series(pd.to_datetime(days)).where(known & (within | late))


def _reliever(
    severity: np.ndarray, engagement: np.ndarray, shift: float, rng: np.random.Generator
) -> np.ndarray:
    """Reliever (SABA) items in 12 months: over-dispersed, higher with severity and poor engagement."""
    mean = SABA_MEAN * np.exp(0.6 * severity - 0.3 * engagement + shift)
    items = rng.negative_binomial(SABA_DISPERSION, SABA_DISPERSION / (SABA_DISPERSION + mean))
    return np.minimum(items, SABA_MOST)


def _preventer(
    severity: np.ndarray, engagement: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Preventer (ICS) items in 12 months: none for mild asthma, otherwise usually under 12."""
    prescribed = rng.random(len(severity)) < _expit(1.0 + 0.8 * severity)
    items = np.minimum(rng.poisson(5.5 * np.exp(0.35 * engagement + 0.2 * severity)), 14)
    return np.where(prescribed, items, 0)


def _monthly_reviews(register: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Reviews per month for 24 months: the audit year from the register, the year before simulated.

    The year before runs the same process (same review rate, season and
    proportions), so the baseline shows only common-cause variation.
    """
    start = pd.Timestamp(audit_start(AUDIT_END))
    dates = pd.to_datetime(register["last_review_date"])
    this_year = register[dates >= start].assign(month=dates.dt.strftime("%Y-%m-01"))
    recent = this_year.groupby("month").agg(
        reviews=("child_id", "size"),
        action_plan=("action_plan", "sum"),
        control_assessed=("control_assessed", "sum"),
    )
    weights = REVIEW_SEASON / REVIEW_SEASON.sum()
    reviews = rng.poisson(len(this_year) * weights)
    earlier = pd.DataFrame(
        {
            "month": pd.period_range(start - pd.DateOffset(years=1), periods=12, freq="M").strftime(
                "%Y-%m-01"
            ),
            "reviews": reviews,
            "action_plan": rng.binomial(reviews, this_year["action_plan"].mean()),
            "control_assessed": rng.binomial(reviews, this_year["control_assessed"].mean()),
        }
    )
    return pd.concat([earlier, recent.reset_index()], ignore_index=True).astype(
        {"reviews": int, "action_plan": int, "control_assessed": int}
    )


def _day_in_month(start: np.datetime64, months: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A uniformly random day in month ``months`` (0 = the month ``start`` is in)."""
    first = (start.astype("datetime64[M]") + months).astype("datetime64[D]")
    length = ((start.astype("datetime64[M]") + months + 1).astype("datetime64[D]") - first).astype(
        int
    )
    return first + (rng.random(len(months)) * length).astype(int).astype("timedelta64[D]")


def _holidays() -> list[date]:
    """Bank holidays, for placing reviews and follow-ups on working days."""
    return list(ENGLAND_BANK_HOLIDAYS)


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def _expit(x: np.ndarray | float) -> np.ndarray:
    return 1 / (1 + np.exp(-np.asarray(x)))
