"""A year of children's A&E attendances, and parents' quotes from a baby clinic.

Case study 2: a commissioner asks why parents bring children to A&E rather than
to their GP. ``ed_attendances.csv`` has one row per attendance by a child aged
0-15 at the borough's children's emergency department: age, weekday and time
of arrival, how the child arrived and who sent them, triage category, outcome
and whether the attendance could have been seen in primary care. It is
calibrated (see ``data/README.md``) to the infant share and admission rate,
the share of non-urgent attendances and the evening peak seen in published
work. ``parent_quotes.csv`` holds short quotes, written for this course, of
the kind two trainees might collect from parents in a baby clinic.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SEED = 20_160_915
N_ATTENDANCES = 13_150  # about 369 per 1,000 for the borough's ~36,000 children

# A&E attendances per 1,000 child-years by single year of age (0-15): infants
# 780-876 (Ruzangi 2020; Nath 2022), 1-4 year olds 497, all under-15s 369.
ED_RATE_BY_AGE = np.array(
    [850, 640, 500, 450, 400, 300, 270, 260, 250, 250, 250, 270, 290, 310, 320, 330]
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKDAY_SHARE = np.array([15.5, 14.0, 13.5, 13.5, 13.5, 14.5, 15.5])
# Share of a day's arrivals by hour (0-23): quiet overnight, an evening peak
# after school and work. Weekends are busier in the morning.
WEEKDAY_HOURS = np.array(
    [
        1.6,
        1.1,
        0.8,
        0.6,
        0.5,
        0.5,
        0.7,
        1.5,
        3.0,
        4.3,
        5.0,
        5.1,
        5.0,
        5.0,
        5.2,
        5.6,
        6.4,
        7.4,
        8.0,
        8.2,
        7.4,
        6.0,
        4.3,
        2.8,
    ]
)
WEEKEND_HOURS = np.array(
    [
        1.8,
        1.2,
        0.9,
        0.7,
        0.6,
        0.6,
        0.9,
        2.0,
        4.0,
        5.6,
        6.3,
        6.3,
        6.0,
        5.8,
        5.7,
        5.8,
        6.0,
        6.4,
        6.6,
        6.6,
        6.0,
        5.0,
        3.8,
        2.6,
    ]
)

# Manchester Triage System categories 1 (immediate) to 5 (non-urgent). Infants
# are the most likely to attend with a non-urgent problem.
TRIAGE = np.arange(1, 6)
TRIAGE_SHARE = {
    "infant": np.array([0.008, 0.07, 0.12, 0.58, 0.222]),
    "child": np.array([0.005, 0.07, 0.23, 0.56, 0.135]),
}
# Chance of admission by triage category; infants are admitted more readily
# (about a quarter of infant attendances in London end in admission, Nath 2022).
ADMIT_BY_TRIAGE = {
    "infant": np.array([0.9, 0.8, 0.65, 0.15, 0.03]),
    "child": np.array([0.8, 0.45, 0.18, 0.04, 0.01]),
}
AMBULANCE_BY_TRIAGE = np.array([0.7, 0.35, 0.12, 0.04, 0.02])
# Chance that a child who was not admitted needed tests or treatment only a
# hospital gives (blood tests, X-ray, nebulisers, stitches...).
HOSPITAL_CARE_BY_TRIAGE = np.array([1.0, 0.9, 0.6, 0.12, 0.04])


def generate() -> dict[str, pd.DataFrame]:
    """The attendances table and the parents' quotes."""
    rng = np.random.default_rng(SEED)
    return {"ed_attendances.csv": _attendances(rng), "parent_quotes.csv": _quotes()}


def _attendances(rng: np.random.Generator) -> pd.DataFrame:
    """One row per attendance, sorted by weekday and arrival time."""
    n = N_ATTENDANCES
    age = rng.choice(16, n, p=ED_RATE_BY_AGE / ED_RATE_BY_AGE.sum())
    infant = age == 0
    day = rng.choice(7, n, p=WEEKDAY_SHARE / WEEKDAY_SHARE.sum())
    weekend = day >= 5
    hour = np.where(
        weekend,
        rng.choice(24, n, p=WEEKEND_HOURS / WEEKEND_HOURS.sum()),
        rng.choice(24, n, p=WEEKDAY_HOURS / WEEKDAY_HOURS.sum()),
    )
    minute = rng.integers(0, 60, n)
    triage = np.where(
        infant, _draw(rng, TRIAGE_SHARE["infant"], n), _draw(rng, TRIAGE_SHARE["child"], n)
    )
    gp_open = ~weekend & (hour * 60 + minute >= 8 * 60) & (hour * 60 + minute < 18 * 60 + 30)
    source = _referral_source(rng, triage, gp_open)
    ambulance = rng.random(n) < AMBULANCE_BY_TRIAGE[triage - 1]
    outcome, hospital_care = _outcomes(rng, triage, infant, source)
    suitable = (
        (triage >= 4)
        & ~hospital_care
        & np.isin(outcome, ["discharged", "discharged, GP follow-up", "left before being seen"])
    )
    table = pd.DataFrame(
        {
            "age_years": age,
            "arrival_weekday": np.asarray(WEEKDAYS)[day],
            "arrival_time": [f"{h:02d}:{m:02d}" for h, m in zip(hour, minute, strict=True)],
            "arrival_mode": np.where(ambulance, "ambulance", "walk-in"),
            "referral_source": source,
            "triage_category": triage,
            "outcome": outcome,
            "primary_care_suitable": np.where(suitable, "yes", "no"),
        }
    )
    order = np.lexsort((table["arrival_time"], day))
    return table.iloc[order].reset_index(drop=True)


def _draw(rng: np.random.Generator, shares: np.ndarray, n: int) -> np.ndarray:
    """``n`` triage categories (1-5) drawn with the given shares."""
    return rng.choice(TRIAGE, n, p=shares / shares.sum())


def _referral_source(
    rng: np.random.Generator, triage: np.ndarray, gp_open: np.ndarray
) -> np.ndarray:
    """Who sent the child: mostly parents themselves; NHS 111 more when practices are shut."""
    n = len(triage)
    gp_chance = np.where(gp_open, 0.10, 0.02) * np.where(triage <= 3, 2.0, 0.6)
    nhs111_chance = np.where(gp_open, 0.08, 0.20)
    draw = rng.random(n)
    return np.select(
        [
            draw < gp_chance,
            draw < gp_chance + nhs111_chance,
            draw < gp_chance + nhs111_chance + 0.05,
        ],
        ["GP", "NHS 111", "other"],
        default="parent",
    )


def _outcomes(
    rng: np.random.Generator, triage: np.ndarray, infant: np.ndarray, source: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The outcome of each attendance and whether it needed hospital tests or treatment."""
    n = len(triage)
    admit = np.where(
        infant, ADMIT_BY_TRIAGE["infant"][triage - 1], ADMIT_BY_TRIAGE["child"][triage - 1]
    )
    admit = np.where(source == "GP", np.minimum(1.0, admit * 1.8), admit)
    admitted = rng.random(n) < admit
    hospital_care = admitted | (rng.random(n) < HOSPITAL_CARE_BY_TRIAGE[triage - 1])
    hospital_care |= (source == "GP") & (rng.random(n) < 0.5)  # GPs send children who need tests
    draw = rng.random(n)
    left = (triage >= 4) & (draw < 0.04)
    clinic = ~left & hospital_care & (draw < 0.12)
    follow_up = ~left & ~clinic & (draw < 0.25)
    outcome = np.select(
        [admitted, left, clinic, follow_up],
        ["admitted", "left before being seen", "referred to clinic", "discharged, GP follow-up"],
        default="discharged",
    )
    return outcome, hospital_care


def _quotes() -> pd.DataFrame:
    """Parents' quotes from a baby clinic, written for this course (no real person)."""
    quotes = [
        (
            "0-2 months",
            (
                "It's my first baby. I don't know what's normal and what isn't, "
                "so I'd rather someone checked."
            ),
        ),
        (
            "3-5 months",
            (
                "I rang the surgery at eight on the dot and I was twenty-third in the "
                "queue. By the time I got through, every appointment had gone, so we came here."
            ),
        ),
        (
            "6-11 months",
            (
                "They said the earliest the doctor could see her was next Thursday. "
                "She's got a temperature now, not next Thursday."
            ),
        ),
        (
            "3-5 months",
            (
                "The GP is lovely, but she told me herself she doesn't see many babies. "
                "Here they're children's doctors."
            ),
        ),
        (
            "6-11 months",
            ("It was half ten at night and the surgery was shut. Where else was I supposed to go?"),
        ),
        (
            "0-2 months",
            (
                "I phoned 111 and after all the questions they told me to take him to "
                "A&E within the hour, so I did what they said."
            ),
        ),
        (
            "1-4 years",
            (
                "At the hospital they do the blood test and the X-ray there and then. "
                "At the GP you get a form and wait a week for the result."
            ),
        ),
        (
            "1-4 years",
            (
                "Last time the GP said it was just a virus, and two days later he was "
                "admitted with pneumonia. I don't take the chance any more."
            ),
        ),
        (
            "3-5 months",
            (
                "My English is not so good. On the phone with the surgery it is very "
                "hard, they talk fast. At the hospital they find an interpreter for me."
            ),
        ),
        (
            "1-4 years",
            (
                "I work until six. By the time I've picked the kids up the surgery is "
                "closed, and the hospital is on my bus route home."
            ),
        ),
        (
            "6-11 months",
            ("I'd given her Calpol and the temperature wasn't coming down. Honestly, I panicked."),
        ),
        (
            "0-2 months",
            (
                "With a baby I want a paediatrician. No offence to GPs, "
                "but they're doctors for everyone."
            ),
        ),
        (
            "6-11 months",
            (
                "The receptionist asked me what was wrong as if she was the doctor. "
                "I didn't want an argument, so I came here instead."
            ),
        ),
        (
            "3-5 months",
            (
                "The health visitor showed me how to check for dehydration. Now I know "
                "when I can manage at home and when I can't."
            ),
        ),
        (
            "0-2 months",
            (
                "111 said a doctor would ring back within two hours. Four hours later "
                "nobody had rung, so I gave up waiting and came in."
            ),
        ),
        (
            "6-11 months",
            (
                "If something is really wrong, he's already in the right place. "
                "That's what goes through my head."
            ),
        ),
        (
            "3-5 months",
            (
                "Back home you take a sick child straight to the hospital. I didn't "
                "know the GP here sees babies too."
            ),
        ),
        (
            "3-5 months",
            (
                "Our surgery has a baby clinic now and they were brilliant with her "
                "reflux. Next time I'd go there first."
            ),
        ),
        (
            "1-4 years",
            (
                "You have to ring at eight in the morning, and at eight I'm doing the "
                "school run with the other two. It's impossible."
            ),
        ),
        (
            "6-11 months",
            (
                "At the weekend there's nothing else open. The out-of-hours doctor is "
                "the other side of the borough and you don't know who you'll get."
            ),
        ),
        (
            "0-2 months",
            (
                "When he stopped feeding I just felt something was wrong. "
                "I needed someone to tell me he was okay."
            ),
        ),
        (
            "6-11 months",
            (
                "The GP listened to her chest and said come back if she gets worse. "
                "Worse how? Nobody told me what to look out for."
            ),
        ),
        (
            "0-2 months",
            (
                "The pharmacist said she was too little for him to give her anything "
                "and that she needed to be seen today."
            ),
        ),
        (
            "1-4 years",
            (
                "The online form for the surgery is only in English and I can't fill "
                "it in for my son."
            ),
        ),
        (
            "1-4 years",
            (
                "We waited four hours, but at least you know you'll be seen today. "
                "With the GP you don't know if you'll be seen this week."
            ),
        ),
        (
            "6-11 months",
            (
                "Last time we came here we waited five hours and went home with "
                "Calpol. I still came back, because what else is there?"
            ),
        ),
        (
            "3-5 months",
            ("My mum said a rash like that can be meningitis and told me not to wait for the GP."),
        ),
        (
            "0-2 months",
            (
                "The children's nurses here know how to take blood from a tiny baby. "
                "I don't think my surgery would even try."
            ),
        ),
        (
            "1-4 years",
            (
                "I've got no car and two other children. The hospital is one bus; "
                "the surgery is two."
            ),
        ),
        ("6-11 months", "He always gets poorly on a Friday night, never on a Tuesday morning."),
        (
            "3-5 months",
            (
                "If someone had explained fevers to me when she was born, "
                "I wouldn't be here half the time."
            ),
        ),
        ("1-4 years", "The surgery offered a phone call. You can't see a rash down the phone."),
        (
            "0-2 months",
            (
                "I called 111 but there were so many questions and I did not "
                "understand all of them, so I came to the hospital."
            ),
        ),
        (
            "3-5 months",
            ("I trust my GP with my own health, but with the baby I want the specialists."),
        ),
        (
            "6-11 months",
            ("111 booked us into the out-of-hours GP and it was fine. I'd do that again."),
        ),
        (
            "1-4 years",
            (
                "We moved here in the summer and we're still not registered with a GP. "
                "The hospital was the only place I knew."
            ),
        ),
        (
            "0-2 months",
            ("The health visitor's number only works in the daytime. At night you're on your own."),
        ),
        (
            "0-2 months",
            (
                "I know A&E is for emergencies. To me, my baby not breathing properly "
                "is an emergency."
            ),
        ),
    ]
    return pd.DataFrame(
        {
            "quote_id": [f"Q{i:02d}" for i in range(1, len(quotes) + 1)],
            "child_age": [age for age, _ in quotes],
            "quote": [text for _, text in quotes],
        }
    )
