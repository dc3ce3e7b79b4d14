"""A GP-practice baby clinic for feeding problems, and the unit costs to price it (case study 3).

A paediatrician and a GP open a clinic for babies aged 0-6 months with common
feeding problems in April 2024, in a practice that takes referrals from its
primary care network: about 50,000 registered patients, about 585 births a
year, so about 290 babies aged 0-6 months at any time (half a year of births;
London's 2023 birth rate, ONS: see ``INFANTS``). ``baby_clinic.csv`` has one
row per month, 12 before and 24 after the launch: babies aged 0-6 months
registered, the network's contacts for feeding problems (GP consultations,
extra health visitor contacts, A&E attendances, short-stay admissions, first
paediatric outpatient attendances), and the clinic's sessions, babies seen and
staff hours.

Contacts are Poisson counts around a rate per 1,000 infants; after the launch
each rate falls by its own factor (``EFFECT``), and A&E attendances also rise
3.9% a year underneath (Ruzangi et al., BMJ Open 2020), so a simple
before/after comparison slightly understates that effect. ``unit_costs.csv``
prices everything at national unit costs (PSSRU Unit Costs of Health and Social
Care 2025; NHS England National Cost Collection, which reports the costs of
providing care, not prices or tariffs) with their source and price year; the
set-up cost is an illustrative local estimate. Calibration: ``data/README.md``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SEED = 20_240_401
FIRST_MONTH = pd.Period("2023-04", freq="M")
MONTHS_BEFORE, MONTHS_AFTER = 12, 24
# Babies aged 0-6 months at any time in the network the clinic serves: a primary care
# network of about 50,000 registered patients (NHS England asked for networks of
# typically 30,000 to 50,000; BJGP 2020;70:e899) at London's 2023 birth rate, 104,252 live
# births among about 8.9 million residents (ONS, Births in England and Wales: 2023, and
# mid-2023 population estimates), about 11.7 per 1,000: about 585 births a year, of whom
# half a year's births (about 290) are aged 0-6 months on any day.
NETWORK_PATIENTS = 50_000
BIRTHS_PER_1000 = 104_252 / 8_900_000 * 1000
INFANTS = round(NETWORK_PATIENTS * BIRTHS_PER_1000 / 1000 / 2, -1)

# Contacts for feeding problems per 1,000 infants aged 0-6 months per month, before
# the clinic, and the share of that rate left once the clinic runs.
RATE_BEFORE = {
    "gp_consultations": 90.0,  # ~16% of infants' GP consultations (6,722 per 1,000 a year)
    "health_visitor_contacts": 50.0,  # extra contacts beyond the universal visits
    "ae_attendances": 12.0,  # ~15% of London infants' A&E attendances (~876 per 1,000 a year)
    "admissions": 3.0,  # 25% of infant attendances are admitted (Nath et al., 2022)
    "outpatient_attendances": 8.0,  # first general paediatric appointments
}
EFFECT = {
    "gp_consultations": 0.65,
    "health_visitor_contacts": 0.60,
    "ae_attendances": 0.60,
    "admissions": 0.55,
    "outpatient_attendances": 0.30,
}
AE_TREND = 0.039  # yearly rise in infant A&E attendances (Ruzangi et al., BMJ Open 2020)
EXTRA_NOISE = 0.08  # month-to-month variation beyond Poisson (gamma, coefficient of variation)

# The clinic: half-day sessions, two a month (one in August and December, and in
# the launch month), each with a consultant paediatrician and a practice nurse
# for 3 hours and the GP for half an hour of joint review.
SESSIONS = 2
SHORT_MONTHS = (8, 12)  # summer holidays and Christmas
STAFF_PER_SESSION = {"consultant_hours": 3.0, "gp_hours": 0.5, "nurse_hours": 3.0}
BABIES_PER_SESSION = 9

UNIT_COSTS = (
    (
        "gp_consultation",
        40,
        "per 10-minute consultation",
        (
            "PSSRU Unit Costs of Health and Social Care 2025: GP consultation of 10 minutes including "
            "direct care staff, excluding qualifications"
        ),
        "2024/25",
    ),
    (
        "practice_nurse",
        11,
        "per 10 minutes",
        (
            "Derived from PSSRU Unit Costs of Health and Social Care 2025: Band 5 nurse, cost per "
            "working hour"
        ),
        "2024/25",
    ),
    (
        "health_visitor_contact",
        82,
        "per contact",
        "National Cost Collection 2024/25, N03F: health visitor contact",
        "2024/25",
    ),
    (
        "ae_attendance",
        127,
        "per attendance",
        (
            "National Cost Collection 2024/25, VB11Z: A&E attendance, no investigation and no "
            "significant treatment"
        ),
        "2024/25",
    ),
    (
        "admission",
        607,
        "per admission",
        (
            "National Cost Collection 2024/25, PF28E: paediatric short-stay emergency admission, "
            "feeding difficulties or vomiting"
        ),
        "2024/25",
    ),
    (
        "outpatient_attendance",
        232,
        "per first attendance",
        (
            "National Cost Collection 2023/24, WF01B: consultant-led first outpatient attendance, "
            "all specialties"
        ),
        "2023/24",
    ),
    (
        "consultant_hour",
        140,
        "per working hour",
        (
            "PSSRU Unit Costs of Health and Social Care 2025: hospital consultant, per working hour, "
            "excluding qualifications"
        ),
        "2024/25",
    ),
    (
        "clinic_setup",
        2500,
        "one-off",
        (
            "Illustrative local estimate (staff training, baby scales, leaflets), not a national unit "
            "cost: replace it with your own"
        ),
        "2024/25",
    ),
)


def generate() -> dict[str, pd.DataFrame]:
    """The monthly clinic table and the unit-cost table, identical on every run."""
    rng = np.random.default_rng(SEED)
    months = pd.period_range(FIRST_MONTH, periods=MONTHS_BEFORE + MONTHS_AFTER, freq="M")
    after = np.arange(len(months)) >= MONTHS_BEFORE
    infants = np.round(INFANTS + rng.normal(0, 8, len(months))).astype(int)
    clinic = pd.DataFrame(
        {
            "month": months.strftime("%Y-%m-01"),
            "period": np.where(after, "after", "before"),
            "infants_0_6m": infants,
        }
    )
    years = np.arange(len(months)) / 12
    for activity, rate in RATE_BEFORE.items():
        trend = (1 + AE_TREND) ** years if activity == "ae_attendances" else 1.0
        mean = infants / 1000 * rate * trend * np.where(after, EFFECT[activity], 1.0)
        clinic[activity] = rng.poisson(
            mean * rng.gamma(1 / EXTRA_NOISE**2, EXTRA_NOISE**2, len(months))
        )
    sessions = np.where(after, SESSIONS, 0)
    short = np.isin(months.month, SHORT_MONTHS) & after
    short[MONTHS_BEFORE] = True  # the launch month
    sessions[short] = 1
    clinic["clinic_sessions"] = sessions
    clinic["babies_seen"] = rng.poisson(BABIES_PER_SESSION * sessions)
    for staff, hours in STAFF_PER_SESSION.items():
        clinic[staff] = hours * sessions
    costs = pd.DataFrame(UNIT_COSTS, columns=["item", "cost_gbp", "unit", "source", "price_year"])
    return {"baby_clinic.csv": clinic, "unit_costs.csv": costs}
