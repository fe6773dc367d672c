"""What a search term also means: Canadian and American spellings and the
abbreviations people type ("peds", "ob/gyn", "em").

A pure module, no Django: ``search_alternatives`` turns one term into the
substrings any of which may match, and the filter ORs them. The list's query
count does not change, only the WHERE clause grows.
"""

from __future__ import annotations

# Spellings of one stem: a term that contains any of them matches all of them
# (so "pediatrician" finds "Paediatrics" and "anaesthesia" "Anesthesiology").
SPELLINGS: tuple[tuple[str, ...], ...] = (
    ("paediatr", "pediatr"),
    ("anaesth", "anesth"),
    ("gynaec", "gynec"),
    ("orthopaed", "orthoped"),
    ("haemat", "hemat"),
    ("oesophag", "esophag"),
    ("foetal", "fetal"),
    ("centre", "center"),
    ("tumour", "tumor"),
    ("programme", "program"),
    ("labour", "labor"),
)

_PAEDIATRICS = ("paediatr", "pediatr")
_OBGYN = ("obstetric", "gynaec", "gynec", "ob/gyn", "obgyn")

# Whole terms that stand for something longer. Short ones ("em", "ent") are
# replaced rather than kept, since as substrings they would match nearly
# every entry ("member", "mentorship").
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "peds": _PAEDIATRICS,
    "paeds": _PAEDIATRICS,
    "ped": _PAEDIATRICS,
    "paed": _PAEDIATRICS,
    "ob/gyn": _OBGYN,
    "ob-gyn": _OBGYN,
    "obgyn": _OBGYN,
    "obs/gyn": _OBGYN,
    "obs/gyne": _OBGYN,
    "ob": _OBGYN,
    "obs": _OBGYN,
    "ortho": ("ortho",),
    "em": ("emergency",),
    "er": ("emergency",),
    "im": ("internal medicine",),
    "fm": ("family medicine",),
    "gp": ("family medicine", "general practi"),
    "ent": ("otolaryngolog", "head and neck"),
    "pmr": ("physical medicine", "physiatr"),
    "pm&r": ("physical medicine", "physiatr"),
    "physiatry": ("physical medicine", "physiatr"),
    "gi": ("gastroenterolog",),
    "cards": ("cardiolog",),
    "rads": ("radiolog",),
    "neurosurg": ("neurosurg",),
    "gen surg": ("general surgery",),
    "pt": ("physical therap", "physiotherap"),
    "physio": ("physical therap", "physiotherap"),
    "ot": ("occupational therap",),
    "slp": ("speech",),
    "icu": ("critical care", "intensive care"),
}


def search_alternatives(term: str) -> tuple[str, ...]:
    """The substrings, any of which ``term`` matches: the term itself, the
    stems of a spelling that differs, or what an abbreviation stands for."""
    folded = term.casefold()
    if folded in ABBREVIATIONS:
        return ABBREVIATIONS[folded]
    for spellings in SPELLINGS:
        for stem in spellings:
            if stem in folded:
                # The stems, not the word: "anaesthesia" must find "Anesthesiology".
                return spellings
    return (term,)
