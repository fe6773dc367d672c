import pytest

from opportunities.search import search_alternatives


@pytest.mark.parametrize(
    ("term", "finds"),
    [
        ("pediatrics", "Paediatrics"),
        ("Paediatrics", "Pediatric cardiology"),
        ("peds", "Paediatrics"),
        ("paeds", "Pediatric"),
        ("anaesthesia", "Anesthesiology"),
        ("anesthesia", "Anaesthesia"),
        ("gynecology", "Obstetrics and Gynaecology"),
        ("ob/gyn", "Obstetrics and Gynaecology"),
        ("obgyn", "Obstetrics and Gynaecology"),
        ("orthopedic", "Orthopaedic Surgery"),
        ("ortho", "Orthopaedic Surgery"),
        ("em", "Emergency Medicine"),
        ("IM", "Internal Medicine"),
        ("fm", "Family Medicine"),
        ("ent", "Otolaryngology – Head and Neck Surgery"),
        ("center", "Sunnybrook Health Sciences Centre"),
        ("cardiology", "Cardiology"),
    ],
)
def test_a_term_finds_the_other_spelling_or_the_full_name(term, finds):
    assert any(alternative in finds.casefold() for alternative in search_alternatives(term))


@pytest.mark.parametrize("term", ["em", "ent", "im", "ob"])
def test_a_short_abbreviation_is_not_kept_as_a_substring(term):
    # "em" would match "member", "ent" "mentorship".
    assert term not in search_alternatives(term)


def test_an_ordinary_term_stands_for_itself():
    assert search_alternatives("Sunnybrook") == ("Sunnybrook",)
