from matching.scoring import (
    IDENTITY_REASON,
    Person,
    TierRule,
    Weights,
    preferences,
    refusal,
    score_pair,
    suggestions,
)


def mentee(pk=1, **kw):
    return Person(
        id=pk,
        user_id=100 + pk,
        name=f"Mentee {pk}",
        tier_id=kw.pop("tier_id", None),
        learner_type=kw.pop("learner_type", "MD2"),
        **kw,
    )


def mentor(pk=10, **kw):
    kw.setdefault("capacity", 1)
    return Person(
        id=pk,
        user_id=100 + pk,
        name=f"Mentor {pk}",
        tier_id=kw.pop("tier_id", None),
        learner_type=kw.pop("learner_type", "FAC"),
        **kw,
    )


def texts(reasons):
    return [r.text for r in reasons]


class TestScorePair:
    def test_shared_specialty_is_a_reason_in_words(self):
        score, reasons = score_pair(
            mentee(specialties=frozenset({"Paediatrics", "Surgery"}), meeting_format="virtual"),
            mentor(specialties=frozenset({"Paediatrics"}), meeting_format="in_person"),
            Weights(),
        )
        assert score == 3
        assert texts(reasons) == ["both interested in paediatrics"]

    def test_each_criterion_adds_its_weight(self):
        weights = Weights(specialty=5, outcomes=7, identity=0, site=11, meeting_format=13, availability=17)
        score, reasons = score_pair(
            mentee(
                specialties=frozenset({"Surgery"}),
                outcomes={1: "Networks"},
                hospital_site="uhn",
                hospital_site_label="University Health Network",
                meeting_format="either",
                availability=frozenset({"weekend"}),
                availability_labels={"weekend": "Weekends"},
            ),
            mentor(
                specialties=frozenset({"Surgery"}),
                outcomes={1: "Networks"},
                hospital_site="uhn",
                meeting_format="virtual",
                availability=frozenset({"weekend"}),
            ),
            weights,
        )
        assert score == 5 + 7 + 11 + 13 + 17
        assert texts(reasons) == [
            "both interested in surgery",
            "mentor offers what the mentee joined for: Networks",
            "same site: University Health Network",
            "both can meet virtually",
            "both available weekends",
        ]

    def test_a_zero_weight_drops_the_criterion(self):
        score, reasons = score_pair(
            mentee(specialties=frozenset({"Surgery"})),
            mentor(specialties=frozenset({"Surgery"})),
            Weights(specialty=0),
        )
        assert "both interested in surgery" not in texts(reasons)

    def test_identity_counts_only_when_asked_for_consented_and_shared(self):
        base = dict(identity=frozenset({1, 2}), consents_to_matching=True)
        asked = mentee(wants_shared_identity=True, **base)
        match = mentor(identity=frozenset({2}), consents_to_matching=True)
        score, reasons = score_pair(asked, match, Weights(identity=4, meeting_format=0))
        assert score == 4
        assert [(r.text, r.identity) for r in reasons] == [(IDENTITY_REASON, True)]

        not_asked = mentee(wants_shared_identity=False, **base)
        assert score_pair(not_asked, match, Weights(meeting_format=0))[0] == 0
        no_consent = mentor(identity=frozenset({2}), consents_to_matching=False)
        assert score_pair(asked, no_consent, Weights(meeting_format=0))[0] == 0
        nothing_shared = mentor(identity=frozenset({3}), consents_to_matching=True)
        assert score_pair(asked, nothing_shared, Weights(meeting_format=0))[0] == 0


class TestHardRules:
    rules = {1: TierRule(mentee_types=frozenset({"MD1"}), mentor_types=frozenset({"MD2", "MD3", "MD4"}))}

    def test_nobody_mentors_themselves(self):
        me = mentee(pk=1)
        also_me = Person(id=2, user_id=me.user_id, name="Me", tier_id=None, learner_type="MD3", capacity=1)
        assert refusal(me, also_me, tier_rules={}, blocked=set()) == "Nobody can mentor themselves."

    def test_blocked_pairs_are_refused(self):
        assert refusal(mentee(1), mentor(10), tier_rules={}, blocked={(1, 10)})

    def test_tier_one_wants_a_first_year_mentee_and_an_upper_year_md_mentor(self):
        first_year = mentee(tier_id=1, learner_type="MD1")
        assert (
            refusal(first_year, mentor(tier_id=1, learner_type="MD3"), tier_rules=self.rules, blocked=set())
            is None
        )
        assert refusal(
            first_year, mentor(tier_id=1, learner_type="RES"), tier_rules=self.rules, blocked=set()
        )
        assert refusal(
            mentee(tier_id=1, learner_type="MD3"),
            mentor(tier_id=1, learner_type="MD3"),
            tier_rules=self.rules,
            blocked=set(),
        )

    def test_a_mentor_of_another_tier_is_refused(self):
        assert refusal(
            mentee(tier_id=1, learner_type="MD1"),
            mentor(tier_id=2, learner_type="MD3"),
            tier_rules=self.rules,
            blocked=set(),
        )

    def test_suggestions_leave_out_refused_pairs(self):
        pairs = suggestions([mentee(1), mentee(2)], [mentor(10)], Weights(), tier_rules={}, blocked={(2, 10)})
        assert list(pairs) == [(1, 10)]


def test_preferences_rank_by_score_then_by_the_given_orders():
    pairs = suggestions(
        [mentee(1, specialties=frozenset({"Surgery"})), mentee(2)],
        [mentor(10), mentor(11, specialties=frozenset({"Surgery"}))],
        Weights(),
        tier_rules={},
        blocked=set(),
    )
    mentee_prefs, mentor_prefs = preferences(pairs, mentee_order=[2, 1], mentor_order=[10, 11])
    assert mentee_prefs == {2: [10, 11], 1: [11, 10]}
    # Mentor 10 scores both alike: the waitlist order (2 before 1) breaks the tie.
    assert mentor_prefs == {10: [2, 1], 11: [1, 2]}
