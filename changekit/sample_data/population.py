"""A synthetic borough's children: segments, conditions, a year of service use and cost.

One row per child aged 0-15 registered with one of 30 practices in four primary
care networks (PCNs), placed in one of the six Connecting Care for Children
(CC4C) segments. The generator calibrates itself to published figures (see
``data/README.md``): segment shares, the share with a long-term condition,
asthma, and age-specific rates per 1,000 of GP, A&E, emergency admission and
outpatient use. The cost of each child's year is the services used priced at
national unit costs, so trainees can recompute it.

Two small tables go with it for mapping services against need: what each
segment needs (``segment_needs.csv``) and which local service meets which need
(``service_map.csv``). Some needs are deliberately left unmet, as in a real
borough, so there are gaps to find.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from changekit.sample_data.referrals import practice_codes

SEED = 20_150_403
PCNS = ("North", "Central", "South", "East")

# Ages 0-15 in the course's age bands (changekit.population.AGE_BANDS, which a
# unit test keeps equal) and the number of single years in each.
AGE_BANDS = ("under 1", "1-4", "5-10", "11-15")
YEARS_IN_BAND = np.array([1, 4, 6, 5])
QUINTILES = np.arange(1, 6)  # 1 = most deprived fifth of England, 5 = least deprived

# CC4C segments (the keys of changekit.population.SEGMENTS) and the share of
# children in each. Complex health needs is the high-use segment (4.4% in
# Beaney et al., BMJ Open 2021); the two smallest segments hold 13.3% of children.
SEGMENT_SHARES = {
    "healthy": 0.505,
    "vulnerable": 0.110,
    "single_ltc": 0.150,
    "complex": 0.044,
    "acute_mild": 0.102,
    "acute_severe": 0.089,
}

# How much more (or less) likely each segment is by age band and by deprivation
# quintile, before the shares are re-balanced to SEGMENT_SHARES. Infants are
# more often acutely unwell; social need and complexity follow deprivation.
SEGMENT_BY_AGE = {
    "healthy": (0.8, 0.9, 1.05, 1.05),
    "vulnerable": (1.2, 1.1, 1.0, 0.95),
    "single_ltc": (0.2, 0.7, 1.15, 1.25),
    "acute_mild": (2.0, 1.5, 0.85, 0.75),
    "complex": (1.3, 1.0, 1.0, 0.95),
    "acute_severe": (2.6, 1.4, 0.8, 0.75),
}
SEGMENT_BY_QUINTILE = {
    "healthy": (0.9, 0.95, 1.0, 1.05, 1.1),
    "vulnerable": (1.8, 1.3, 0.9, 0.6, 0.4),
    "single_ltc": (1.1, 1.05, 1.0, 0.95, 0.9),
    "acute_mild": (1.15, 1.05, 1.0, 0.95, 0.9),
    "complex": (1.3, 1.15, 1.0, 0.85, 0.75),
    "acute_severe": (1.25, 1.1, 1.0, 0.9, 0.8),
}

# Chance of at least one long-term condition by segment (single_ltc has exactly
# one; complex has one or more). Gives 25-28% overall (RCPCH).
LTC_CHANCE = {
    "healthy": 0.0,
    "vulnerable": 0.15,
    "single_ltc": 1.0,
    "acute_mild": 0.22,
    "complex": 1.0,
    "acute_severe": 0.35,
}
ASTHMA_TARGET = 1 / 11  # about 1 in 11 children has asthma (Asthma UK)
ASTHMA_BY_AGE = (0.02, 0.25, 0.5, 0.5)  # relative chance among children with a condition

# Services: events per 1,000 child-years by age band. GP, A&E, admissions and
# outpatients: Ruzangi et al., BMJ Open 2020 (infants, 1-4 and all under-15s; the
# older bands are set so that all ages together give the all-ages rate).
# Community contacts (health visiting, school nursing, community nursing) are an
# illustrative assumption, highest in the first year of life.
RATES_PER_1000 = {
    "gp_contacts": (6722, 2368, 1300, 1190),
    "ed_attendances": (830, 497, 260, 300),
    "emergency_admissions": (410, 110, 45, 50),
    "outpatient_attendances": (1529, 600, 650, 740),
    "community_contacts": (4000, 900, 300, 250),
}
SERVICES = tuple(RATES_PER_1000)  # the columns of changekit.population.SERVICES

# Relative use by segment: who uses which service.
USE_BY_SEGMENT = {
    "gp_contacts": {
        "healthy": 1.0,
        "vulnerable": 1.8,
        "single_ltc": 2.2,
        "acute_mild": 2.8,
        "complex": 5.0,
        "acute_severe": 3.0,
    },
    "ed_attendances": {
        "healthy": 1.0,
        "vulnerable": 3.0,
        "single_ltc": 2.5,
        "acute_mild": 6.0,
        "complex": 12.0,
        "acute_severe": 20.0,
    },
    "emergency_admissions": {
        "healthy": 1.0,
        "vulnerable": 3.0,
        "single_ltc": 4.0,
        "acute_mild": 4.0,
        "complex": 80.0,
        "acute_severe": 140.0,
    },
    "outpatient_attendances": {
        "healthy": 1.0,
        "vulnerable": 1.5,
        "single_ltc": 6.0,
        "acute_mild": 1.5,
        "complex": 70.0,
        "acute_severe": 6.0,
    },
    "community_contacts": {
        "healthy": 1.0,
        "vulnerable": 3.0,
        "single_ltc": 1.5,
        "acute_mild": 1.0,
        "complex": 15.0,
        "acute_severe": 1.5,
    },
}
# The most deprived children are 60-70% more likely to attend A&E; part of that
# comes from the segment mix, the rest from these factors (quintile 1..5).
USE_BY_QUINTILE = {
    "gp_contacts": (1.15, 1.1, 1.05, 1.0, 1.0),
    "ed_attendances": (1.3, 1.2, 1.12, 1.05, 1.0),
    "emergency_admissions": (1.25, 1.15, 1.1, 1.05, 1.0),
    "outpatient_attendances": (1.0, 1.0, 1.0, 1.0, 1.0),
    "community_contacts": (1.2, 1.1, 1.0, 1.0, 1.0),
}
# Unit costs in GBP (see shared domain notes): GP consultation (PSSRU 2024/25),
# A&E attendance weighted mean and paediatric short-stay emergency admission
# (National Cost Collection 2024/25), outpatient first attendance (NCC 2023/24),
# health visitor contact for community contacts (NCC 2024/25).
UNIT_COSTS = {
    "gp_contacts": 40,
    "ed_attendances": 280,
    "emergency_admissions": 767,
    "outpatient_attendances": 232,
    "community_contacts": 82,
}
# Heterogeneity within a segment (gamma frailty shared by a child's services):
# smaller shape, longer tail.
FRAILTY_SHAPE = {
    "healthy": 2.0,
    "vulnerable": 1.5,
    "single_ltc": 2.0,
    "acute_mild": 2.0,
    "complex": 1.2,
    "acute_severe": 1.5,
}

# Two practices differ on purpose: Y90007 (deprived, hard to get a same-day
# appointment) sees more of its children go to A&E; Y90022 hosts a child
# health hub. Practice codes are the same as in referrals.csv.
HARD_TO_REACH_PRACTICE = "Y90007"
HUB_PRACTICE = "Y90022"
PRACTICE_ED_EFFECT = {HARD_TO_REACH_PRACTICE: 1.45, HUB_PRACTICE: 0.7}


def generate() -> dict[str, pd.DataFrame]:
    """The borough's children plus the needs and services tables for gap mapping."""
    rng = np.random.default_rng(SEED)
    practices = _practices(rng)
    children = _children(practices, rng)
    children["segment"] = _segments(children, rng)
    children["ltc_count"], children["asthma"] = _conditions(children, rng)
    _service_use(children, practices, rng)
    children["cost_gbp"] = sum(children[s] * UNIT_COSTS[s] for s in SERVICES)
    children["age_band"] = np.asarray(AGE_BANDS)[children["age_index"]]
    children = children.sort_values(["practice_code", "age_index", "segment"], kind="stable")
    columns = [
        "practice_code",
        "pcn",
        "age_band",
        "imd_quintile",
        "segment",
        "ltc_count",
        "asthma",
        *SERVICES,
        "cost_gbp",
    ]
    return {
        "population.csv": children[columns].reset_index(drop=True),
        "segment_needs.csv": _segment_needs(),
        "service_map.csv": _service_map(),
    }


def _practices(rng: np.random.Generator) -> pd.DataFrame:
    """30 practices: PCN, number of registered children, deprivation and access effects."""
    codes = practice_codes()
    pcn = np.repeat(PCNS, [8, 7, 8, 7])
    children = np.clip(rng.lognormal(np.log(1050), 0.4, len(codes)), 350, 2600).round()
    # Position on a 0 (most deprived) to 1 (least deprived) scale; the east is poorer.
    pcn_level = {"North": 0.62, "Central": 0.35, "South": 0.45, "East": 0.15}
    deprivation = np.clip([pcn_level[p] + rng.normal(0, 0.12) for p in pcn], 0.02, 0.95)
    frame = pd.DataFrame(
        {
            "practice_code": codes,
            "pcn": pcn,
            "children": children.astype(int),
            "deprivation": deprivation,
        }
    ).set_index("practice_code")
    frame.loc[HARD_TO_REACH_PRACTICE, "deprivation"] = 0.08
    for service in SERVICES:
        spread = 0.08 if service in ("gp_contacts", "ed_attendances") else 0.05
        frame[service] = rng.lognormal(0, spread, len(codes))
    for code, effect in PRACTICE_ED_EFFECT.items():
        frame.loc[code, "ed_attendances"] = effect
    frame.loc[HARD_TO_REACH_PRACTICE, "gp_contacts"] = 0.8
    return frame


def _children(practices: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """One row per child: practice, PCN, age band and deprivation quintile."""
    rows = []
    weights = YEARS_IN_BAND / YEARS_IN_BAND.sum()
    for code, practice in practices.iterrows():
        n = int(practice["children"])
        centre = practice["deprivation"] * 4
        quintile_weights = np.exp(-((QUINTILES - 1 - centre) ** 2) / 3.0)
        rows.append(
            pd.DataFrame(
                {
                    "practice_code": code,
                    "pcn": practice["pcn"],
                    "age_index": rng.choice(len(AGE_BANDS), n, p=weights),
                    "imd_quintile": rng.choice(
                        QUINTILES, n, p=quintile_weights / quintile_weights.sum()
                    ),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def _segment_weights(children: pd.DataFrame) -> np.ndarray:
    """Relative chance of each segment for each child (rows) from age and deprivation."""
    age = children["age_index"].to_numpy()
    quintile = children["imd_quintile"].to_numpy() - 1
    return np.column_stack(
        [
            np.asarray(SEGMENT_BY_AGE[s])[age] * np.asarray(SEGMENT_BY_QUINTILE[s])[quintile]
            for s in SEGMENT_SHARES
        ]
    )


def _segments(children: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Draw each child's segment so that the expected shares equal SEGMENT_SHARES."""
    relative = _segment_weights(children)
    target = np.array(list(SEGMENT_SHARES.values()))
    base = target.copy()
    for _ in range(50):  # re-balance the base shares until the expected mix hits the target
        probabilities = relative * base
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        base *= target / probabilities.mean(axis=0)
    cumulative = probabilities.cumsum(axis=1)
    draws = rng.random(len(children))[:, None]
    keys = np.asarray(list(SEGMENT_SHARES))
    return keys[(draws > cumulative).sum(axis=1).clip(max=len(keys) - 1)]


def _conditions(children: pd.DataFrame, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Number of long-term conditions and asthma ("yes"/"no"), asthma scaled to 1 in 11."""
    segment = children["segment"].to_numpy()
    n = len(children)
    has_ltc = rng.random(n) < np.vectorize(LTC_CHANCE.get)(segment)
    extra = np.where(segment == "complex", rng.poisson(1.0, n), (rng.random(n) < 0.12).astype(int))
    ltc_count = np.where(has_ltc, 1 + np.where(segment == "single_ltc", 0, extra), 0)
    relative = np.asarray(ASTHMA_BY_AGE)[children["age_index"].to_numpy()] * has_ltc
    chance = np.clip(relative * ASTHMA_TARGET * n / relative.sum(), 0, 1)
    asthma = np.where(rng.random(n) < chance, "yes", "no")
    return ltc_count, asthma


def _service_use(children: pd.DataFrame, practices: pd.DataFrame, rng: np.random.Generator) -> None:
    """Fill in a year of contacts per service, calibrated to the age-band rates per 1,000."""
    segment = children["segment"].to_numpy()
    age = children["age_index"].to_numpy()
    quintile = children["imd_quintile"].to_numpy() - 1
    shape = np.vectorize(FRAILTY_SHAPE.get)(segment)
    frailty = rng.gamma(shape, 1 / shape)
    for service in SERVICES:
        relative = (
            np.vectorize(USE_BY_SEGMENT[service].get)(segment)
            * np.asarray(USE_BY_QUINTILE[service])[quintile]
            * practices.loc[children["practice_code"], service].to_numpy()
        )
        expected = np.empty(len(children))
        for band, rate in enumerate(RATES_PER_1000[service]):
            in_band = age == band
            expected[in_band] = relative[in_band] * rate / 1000 / relative[in_band].mean()
        children[service] = rng.poisson(expected * frailty)


def _segment_needs() -> pd.DataFrame:
    """What children in each segment need from local services (one row per need)."""
    needs = {
        "healthy": [
            "universal health reviews",
            "immunisations",
            "advice on common illnesses and self-care",
        ],
        "vulnerable": [
            "early help family support",
            "enhanced health visiting",
            "help to register with and use health services",
            "emotional and mental health support",
        ],
        "single_ltc": [
            "annual condition review in primary care",
            "personalised care plan (e.g. asthma action plan)",
            "specialist advice for the GP without a referral",
        ],
        "complex": [
            "named care coordinator",
            "multidisciplinary team review",
            "community nursing at home",
            "short breaks for families",
            "planned transition to adult services",
        ],
        "acute_mild": [
            "same-day GP appointment",
            "evening and weekend urgent advice",
            "advice on common illnesses and self-care",
        ],
        "acute_severe": [
            "emergency care",
            "GP follow-up within 2 working days after hospital",
            "evening and weekend urgent advice",
        ],
    }
    return pd.DataFrame(
        [(s, need) for s, items in needs.items() for need in items], columns=["segment", "need"]
    )


def _service_map() -> pd.DataFrame:
    """Which local service meets which need (one row per service and need).

    Service names follow ``services.csv`` where the service is in both. Left
    unmet on purpose: a named care coordinator, short breaks, transition to
    adult services, GP follow-up after hospital and specialist advice for GPs.
    """
    services = [
        (
            "Health visiting",
            "Community health trust",
            "Mon-Fri 09:00-17:00",
            [
                "universal health reviews",
                "enhanced health visiting",
                "advice on common illnesses and self-care",
            ],
        ),
        (
            "School nursing",
            "Community health trust",
            "Mon-Fri 09:00-17:00, term time",
            ["universal health reviews"],
        ),
        (
            "GP practices (core hours)",
            "General practice",
            "Mon-Fri 08:00-18:30",
            ["immunisations", "same-day GP appointment", "annual condition review in primary care"],
        ),
        (
            "PCN extended access hub",
            "Primary care networks",
            "Mon-Fri 18:30-20:00, Sat 09:00-17:00",
            ["evening and weekend urgent advice"],
        ),
        (
            "NHS 111",
            "Integrated urgent care",
            "24 hours",
            ["evening and weekend urgent advice", "advice on common illnesses and self-care"],
        ),
        (
            "Community pharmacy",
            "Pharmacies",
            "Mon-Sat 09:00-18:00",
            ["advice on common illnesses and self-care"],
        ),
        ("Children's emergency department", "Acute hospital trust", "24 hours", ["emergency care"]),
        (
            "Children's asthma nurse",
            "Acute hospital trust",
            "Mon-Fri 09:00-17:00",
            ["personalised care plan (e.g. asthma action plan)"],
        ),
        (
            "Community children's nursing",
            "Community health trust",
            "Mon-Fri 08:00-20:00",
            ["community nursing at home"],
        ),
        (
            "Community paediatrics",
            "Community health trust",
            "Mon-Fri 09:00-17:00",
            ["multidisciplinary team review"],
        ),
        (
            "CAMHS",
            "Mental health trust",
            "Mon-Fri 09:00-17:00",
            ["emotional and mental health support"],
        ),
        (
            "Early help and parenting support",
            "Local authority",
            "Mon-Fri 09:00-17:00",
            ["early help family support"],
        ),
        (
            "Health and wellbeing navigator",
            "Voluntary sector",
            "Mon-Fri 10:00-16:00",
            ["help to register with and use health services"],
        ),
    ]
    rows = [
        (name, provider, hours, need) for name, provider, hours, needs in services for need in needs
    ]
    return pd.DataFrame(rows, columns=["service", "provider", "hours", "need"])
