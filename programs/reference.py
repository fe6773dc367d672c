"""Reference data the code relies on, as plain constants.

Data migrations copy these into the database (so a bare ``migrate`` gives a
working site) and services read them; nothing here imports a model, so a
migration may import this module without tying itself to today's models.
"""

from __future__ import annotations

SITE_NAME = "OLA Mentorship"

COORDINATORS_GROUP = "Coordinators"

# The learner and mentor types programs admit, in display order.
LEARNER_TYPES = [
    ("MD1", "MD year 1"),
    ("MD2", "MD year 2"),
    ("MD3", "MD year 3"),
    ("MD4", "MD year 4"),
    ("PGY1", "PGY1 resident"),
    ("PGY2", "PGY2 resident"),
    ("PT", "Physical therapy (PT) learner"),
    ("OT", "Occupational therapy (OT) learner"),
    ("SLP", "Speech-language pathology (SLP) learner"),
    ("RES", "Resident physician"),
    ("FAC", "Clinician / faculty"),
]

# What a coordinator may do in the admin. Querysets narrow it further to the
# programs they coordinate; site staff (superusers) are not limited.
COORDINATOR_PERMISSIONS: dict[str, list[str] | None] = {
    "programs": [
        "view_program",
        "change_program",
        "view_outcome",
        "add_outcome",
        "change_outcome",
        "delete_outcome",
        "view_tier",
        "add_tier",
        "change_tier",
        "delete_tier",
        "view_learnertype",
    ],
    # None means every permission of the app.
    "applications": None,
    "matching": None,
    "notifications": ["view_outgoingemail"],
    # The mentorship year's schedule (check-ins, evaluations, reminders):
    # coordinators set it up; answers and the reminders sent are read only.
    "mentoring": [
        *(
            f"{action}_{model}"
            for model in ("mentoringpolicy", "programyear", "term", "questionnaire", "questionnaireitem")
            for action in ("view", "add", "change", "delete")
        ),
        "view_questionnaireresponse",
        "view_itemanswer",
        "view_remindersent",
        "view_digestsent",
        "view_matchhealth",
    ],
}

# Clinical specialties and fields: applicants' interests, a mentor's specialty,
# matching and the Learner Mentorship Database share them.
SPECIALTIES = [
    "Anesthesiology",
    "Cardiology",
    "Dermatology",
    "Diagnostic Radiology",
    "Emergency Medicine",
    "Family Medicine",
    "General Surgery",
    "Internal Medicine",
    "Medical Genetics",
    "Neurology",
    "Neurosurgery",
    "Obstetrics and Gynaecology",
    "Ophthalmology",
    "Orthopaedic Surgery",
    "Otolaryngology – Head and Neck Surgery",
    "Paediatrics",
    "Pathology",
    "Physical Medicine and Rehabilitation",
    "Plastic Surgery",
    "Psychiatry",
    "Public Health and Preventive Medicine",
    "Radiation Oncology",
    "Urology",
    "Vascular Surgery",
    "Physical therapy",
    "Occupational therapy",
    "Speech-language pathology",
]
