import pytest

from opportunities.eligibility import learners_compact


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        (["MD1", "MD2", "MD3", "MD4"], "MD 1–4"),
        (["MD1", "MD2", "MD3", "MD4", "PGY1", "PGY2"], "MD 1–4, PGY 1–2"),
        (["PT", "OT", "SLP"], "PT/OT/SLP"),
        (["SLP", "PT"], "PT/SLP"),
        (["MD3"], "MD 3"),
        (["MD1", "MD3"], "MD 1 and 3"),
        (["MD4", "MD1", "MD2"], "MD 1–2 and 4"),
        (["PGY2", "MD2", "MD1"], "MD 1–2, PGY 2"),
        (["FAC", "RES", "MD1"], "MD 1, Residents, Faculty"),
        (["MD1", "MD1"], "MD 1"),
        ([], ""),
    ],
)
def test_contiguous_years_become_ranges_and_groups_keep_their_order(codes, expected):
    assert learners_compact(codes) == expected


def test_a_code_it_does_not_know_is_shown_by_its_label_after_the_rest():
    labels = {"NP": "Nurse practitioner learner"}
    assert learners_compact(["NP", "MD2"], labels) == "MD 2, Nurse practitioner learner"
    assert learners_compact(["XYZ"]) == "XYZ"
