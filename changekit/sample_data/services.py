"""The directory of community child-health services in the synthetic borough.

This is the intervention of case study 1: one table that tells a GP which
service is the right place for a child, by reason and age. It is written by
hand (no randomness); every service, address and contact route is fictional.
Each redirected referral in ``referrals.csv`` goes to a service whose
``reasons`` list its reason and whose age range includes the child.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd


@dataclass(frozen=True)
class Service:
    """One entry in the directory; the fields are the columns of ``services.csv``."""

    service: str
    accepts: str
    does_not_accept: str
    age_range: str
    min_age_months: int
    max_age_months: int
    how_to_refer: str
    contact_route: str
    reasons: str  # reason categories from referrals.csv, separated by ";"


DIRECTORY = (
    Service(
        "Community paediatrics",
        "Delay in two or more areas of development; suspected autism in children under 5; "
        "ADHD assessment for school-age children without mental health concerns, with the "
        "school's questionnaires enclosed; complex disability; child protection medicals "
        "requested by children's social care.",
        "Speech or language delay alone; wetting or soiling; headache; new safeguarding "
        "concerns (refer to children's social care); sleep or behaviour problems without "
        "developmental concerns.",
        "0-17 years",
        0,
        215,
        "GP referral with growth and development history and any nursery or school report.",
        "e-RS: Community Paediatrics (fictional)",
        "developmental delay;suspected autism;ADHD assessment",
    ),
    Service(
        "Health visiting",
        "Children under 5: feeding, sleep, behaviour, toilet training and early development "
        "concerns; developmental reviews (ASQ-3) before any referral for delay.",
        "Children aged 5 and over (school nursing); a child who is acutely unwell.",
        "0-4 years",
        0,
        59,
        "Any professional or the family can refer by email; parents can self-refer.",
        "Email: healthvisiting.referrals@example.org (fictional)",
        "developmental delay;behaviour concerns;continence (wetting or soiling);"
        "feeding and growth;sleep problems",
    ),
    Service(
        "School nursing",
        "School-age children: sleep, continence advice, emotional wellbeing, growth and "
        "health needs in school.",
        "Children under 5 (health visiting); a child needing a medical assessment.",
        "5-19 years",
        60,
        227,
        "Any professional, the school, the family or the young person can refer online.",
        "Online form: School Nursing referral, borough Local Offer website (fictional)",
        "sleep problems;continence (wetting or soiling)",
    ),
    Service(
        "Speech and language therapy",
        "Speech, language, stammering and social communication concerns; social "
        "communication assessment for under-5s on the autism pathway.",
        "Hearing concerns without a hearing test (refer to audiology first); "
        "developmental delay in several areas (community paediatrics).",
        "0-17 years",
        0,
        215,
        "Open referral: parents, nurseries, schools and GPs use the online form.",
        "Online form: Children's Speech and Language Therapy (fictional)",
        "speech and language delay;suspected autism",
    ),
    Service(
        "CAMHS",
        "Emotional and mental health difficulties; the neurodevelopmental pathway for "
        "suspected autism and ADHD in children aged 5 and over.",
        "Behaviour concerns with no emotional or mental health element (early help); "
        "autism assessment under 5 (community paediatrics).",
        "0-17 years",
        0,
        215,
        "GP or school referral through the single point of access form.",
        "Single point of access: CAMHS referral form (fictional)",
        "suspected autism;ADHD assessment;behaviour concerns",
    ),
    Service(
        "Children's bladder and bowel service",
        "Wetting, soiling and constipation that has not settled with first-line advice "
        "from the school nurse or GP.",
        "Children under 5 (health visiting); urinary tract infection or an acutely unwell "
        "child (GP or acute paediatrics).",
        "5-17 years",
        60,
        215,
        "GP or school nurse referral with a bladder diary and what has been tried.",
        "e-RS: Paediatric Continence Service (fictional)",
        "continence (wetting or soiling)",
    ),
    Service(
        "Acute paediatric outpatients",
        "Children needing hospital investigation: headache with red flags or not settling, "
        "faltering growth needing tests, other general paediatric problems.",
        "Developmental or behavioural concerns (community services); a child who needs "
        "same-day care (paediatric assessment unit).",
        "0-17 years",
        0,
        215,
        "GP referral through e-RS; advice and guidance is available first.",
        "e-RS: General Paediatrics, borough hospital (fictional)",
        "headache;feeding and growth",
    ),
    Service(
        "Children's social care (MASH)",
        "Any concern that a child is being harmed or is at risk of harm; the multi-agency "
        "safeguarding hub decides on next steps, including a child protection medical.",
        "Health assessments that are not about a safeguarding concern.",
        "0-17 years",
        0,
        215,
        "Phone the hub the same day if a child is at risk now, then complete the "
        "multi-agency referral form.",
        "MASH: multi-agency referral form, borough safeguarding website (fictional)",
        "safeguarding concern",
    ),
    Service(
        "Early help and parenting support",
        "Families who want help with behaviour, routines or sleep: parenting programmes "
        "and family support workers.",
        "Concerns that a child is at risk of harm (children's social care).",
        "0-17 years",
        0,
        215,
        "Any professional can refer with the family's consent; families can self-refer.",
        "Online form: Early Help Hub, borough Family Information Service (fictional)",
        "behaviour concerns;sleep problems",
    ),
)


def generate() -> dict[str, pd.DataFrame]:
    """``{"services.csv": table}``: one row per service in the directory."""
    return {"services.csv": pd.DataFrame([asdict(s) for s in DIRECTORY])}
