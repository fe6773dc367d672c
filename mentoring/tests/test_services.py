from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from applications.models import Status
from matching import services as matching_services
from matching.models import MatchStatus
from matching.selectors import waitlist
from mentoring import services
from mentoring.models import (
    Agreement,
    Meeting,
    MeetingFormat,
    MentoringPolicy,
    ProgramYear,
    SupportKind,
    SupportRequest,
)
from mentoring.selectors import due_items, progress_for
from mentoring.tasks import matches_end_at_year_end
from notifications.models import OutgoingEmail
from tests.factories import accepted_mentee, accepted_mentor

pytestmark = pytest.mark.django_db


def noon(day: date) -> datetime:
    """Midday of ``day`` in the site's time zone (midnight UTC is the day before in Toronto)."""
    return timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=12))


class TestAgreement:
    def test_publishing_copies_the_programs_template(self, program, publish):
        MentoringPolicy.objects.create(
            program=program, agreement_goals="Career planning", agreement_boundaries="No"
        )
        match = publish()
        agreement = Agreement.objects.get(match=match)
        assert (agreement.goals, agreement.boundaries) == ("Career planning", "No")
        assert agreement.mentee_confirmed_at is None and agreement.mentor_confirmed_at is None

    def test_a_later_edit_of_the_template_changes_nothing_agreed(self, program, publish):
        policy = MentoringPolicy.objects.create(program=program, agreement_goals="First")
        match = publish()
        policy.agreement_goals = "Second"
        policy.save()
        assert Agreement.objects.get(match=match).goals == "First"

    def test_rolling_intake_creates_one_too(self, match):
        assert Agreement.objects.filter(match=match).count() == 1

    def test_publishing_a_rounds_draft_creates_one_per_match(self, program):
        from matching.models import Round

        draft = Round.objects.create(program=program, name="Spring")
        mentor_app = accepted_mentor(program, capacity=2)
        for _ in range(2):
            matching_services.proposal_add(round_=draft, mentee=accepted_mentee(program), mentor=mentor_app)
        published = matching_services.round_publish(round_=draft)
        assert Agreement.objects.filter(match__in=published).count() == 2

    def test_a_refused_publication_leaves_no_agreement(self, program, round_):
        mentor_app = accepted_mentor(program, capacity=1)
        matching_services.match_publish_one(round_=round_, mentee=accepted_mentee(program), mentor=mentor_app)
        with pytest.raises(matching_services.MatchingError):
            matching_services.match_publish_one(
                round_=round_, mentee=accepted_mentee(program), mentor=mentor_app
            )
        assert Agreement.objects.count() == 1

    def test_each_person_confirms_and_the_date_is_kept(self, match, learner, mentor):
        first = timezone.now() - timedelta(days=2)
        services.agreement_confirm(match=match, by=learner, now=first)
        agreement = services.agreement_confirm(match=match, by=learner)  # twice: the first date stays
        assert agreement.mentee_confirmed_at == first and not agreement.is_confirmed
        agreement = services.agreement_confirm(match=match, by=mentor)
        assert agreement.mentor_confirmed_at and agreement.is_confirmed

    def test_nobody_else_confirms(self, match, outsider, coordinator_of, program):
        for person in (outsider, coordinator_of(program)):
            with pytest.raises(services.MentoringError):
                services.agreement_confirm(match=match, by=person)

    def test_a_match_published_before_agreements_gets_one_when_confirmed(self, match, learner):
        Agreement.objects.filter(match=match).delete()
        match.refresh_from_db()
        assert services.agreement_confirm(match=match, by=learner).mentee_confirmed_at

    def test_the_agreement_is_due_until_confirmed(self, match, learner, mentor):
        today = timezone.localdate()
        assert [item.kind for item in due_items(match, learner, today)] == ["agreement"]
        services.agreement_confirm(match=match, by=learner)
        match.refresh_from_db()
        assert due_items(match, learner, today) == []
        assert [item.kind for item in due_items(match, mentor, today)] == ["agreement"]

    def test_an_open_check_in_is_due_until_answered(self, program, match, learner, mentor):
        from mentoring.models import Questionnaire, QuestionnaireKind, QuestionnaireResponse

        today = timezone.localdate()
        year = ProgramYear.objects.create(
            program=program,
            name="Now",
            starts_on=today - timedelta(days=30),
            ends_on=today + timedelta(days=200),
        )
        check_in = Questionnaire.objects.create(
            year=year,
            kind=QuestionnaireKind.CHECK_IN,
            role="mentee",
            title="Check-in",
            opens_on=today,
            closes_on=today + timedelta(days=7),
        )
        due = due_items(match, learner, today)
        assert [(i.kind, i.text, i.due_on) for i in due][1:] == [
            ("questionnaire", "Answer Check-in", today + timedelta(days=7))
        ]
        assert [i.kind for i in due_items(match, mentor, today)] == ["agreement"]  # the mentee's, not theirs
        QuestionnaireResponse.objects.create(questionnaire=check_in, match=match, respondent=learner)
        assert [i.kind for i in due_items(match, learner, today)] == ["agreement"]


class TestMeetings:
    def test_either_person_logs_a_meeting(self, match, learner, mentor):
        today = timezone.localdate()
        services.meeting_log(match=match, by=learner, met_on=today, minutes=60, format=MeetingFormat.VIRTUAL)
        services.meeting_log(
            match=match, by=mentor, met_on=today, minutes=30, format=MeetingFormat.PHONE, note="Hi"
        )
        assert Meeting.objects.filter(match=match).count() == 2

    @pytest.mark.parametrize("minutes", [4, 601])
    def test_the_length_is_5_to_600_minutes(self, match, learner, minutes):
        with pytest.raises(services.MentoringError) as error:
            services.meeting_log(
                match=match,
                by=learner,
                met_on=timezone.localdate(),
                minutes=minutes,
                format=MeetingFormat.PHONE,
            )
        assert "minutes" in error.value.error_dict

    def test_the_date_is_not_in_the_future_nor_before_the_match(self, match, learner):
        today = timezone.localdate()
        for met_on in (today + timedelta(days=1), today - timedelta(days=1)):
            with pytest.raises(services.MentoringError) as error:
                services.meeting_log(
                    match=match, by=learner, met_on=met_on, minutes=30, format=MeetingFormat.PHONE
                )
            assert "met_on" in error.value.error_dict

    def test_only_who_logged_it_changes_or_deletes_it(self, match, learner, mentor):
        meeting = services.meeting_log(
            match=match, by=learner, met_on=timezone.localdate(), minutes=30, format=MeetingFormat.PHONE
        )
        with pytest.raises(services.MentoringError):
            services.meeting_update(
                meeting=meeting, by=mentor, met_on=meeting.met_on, minutes=45, format=MeetingFormat.PHONE
            )
        with pytest.raises(services.MentoringError):
            services.meeting_delete(meeting=meeting, by=mentor)
        services.meeting_update(
            meeting=meeting, by=learner, met_on=meeting.met_on, minutes=45, format=MeetingFormat.PHONE
        )
        assert Meeting.objects.get().minutes == 45
        services.meeting_delete(meeting=meeting, by=learner)
        assert not Meeting.objects.exists()

    def test_an_ended_match_takes_no_meeting(self, match, learner):
        matching_services.match_end(match=match, reason="Moved away", rematch=False)
        match.refresh_from_db()
        with pytest.raises(services.MentoringError):
            services.meeting_log(
                match=match, by=learner, met_on=timezone.localdate(), minutes=30, format=MeetingFormat.PHONE
            )


class TestProgress:
    def test_without_a_term_it_counts_since_the_match_began(self, match, learner):
        services.meeting_log(match=match, by=learner, met_on=timezone.localdate(), minutes=90, format="phone")
        progress = progress_for(match, timezone.localdate())
        assert (progress.term, progress.minutes, progress.expected, progress.met) == (None, 90, 120, False)
        assert progress.label == "1 h 30 min" and progress.expected_label == "2 h"

    def test_with_a_term_it_counts_the_terms_meetings_against_the_rule(
        self, program, publish, learner, mentor
    ):
        MentoringPolicy.objects.create(program=program, minutes_per_term=90)
        year = ProgramYear.objects.create(
            program=program, name="2026–2027", starts_on=date(2026, 9, 1), ends_on=date(2027, 6, 30)
        )
        fall = year.terms.create(name="Fall 2026", starts_on=date(2026, 9, 1), ends_on=date(2026, 12, 20))
        year.terms.create(name="Winter 2027", starts_on=date(2027, 1, 5), ends_on=date(2027, 4, 30))
        with time_machine.travel(noon(date(2026, 9, 10))):
            match = publish(learner, mentor)
        with time_machine.travel(noon(date(2026, 12, 1))):
            services.meeting_log(
                match=match, by=learner, met_on=date(2026, 10, 1), minutes=60, format="phone"
            )
            services.meeting_log(match=match, by=mentor, met_on=date(2026, 11, 1), minutes=45, format="phone")
        fall_progress = progress_for(match, date(2026, 12, 1))
        assert (fall_progress.term, fall_progress.minutes, fall_progress.met) == (fall, 105, True)
        winter = progress_for(match, date(2027, 2, 1))
        assert (winter.term.name, winter.minutes) == ("Winter 2027", 0)


class TestSupportRequests:
    def test_a_request_emails_the_coordinators_not_the_other_person(
        self, match, learner, mentor, program, coordinator_of, django_capture_on_commit_callbacks
    ):
        coordinator = coordinator_of(program)
        with django_capture_on_commit_callbacks(execute=True):
            services.support_request_create(
                match=match, by=learner, kind=SupportKind.REMATCH, text="We never meet."
            )
        emails = OutgoingEmail.objects.filter(kind="support-request-coordinator")
        assert [e.to for e in emails] == [coordinator.email]
        assert (
            "We never meet." in emails[0].body_text and f"/my/mentorships/{match.pk}/" in emails[0].body_text
        )
        assert not OutgoingEmail.objects.filter(to=mentor.email, kind="support-request-coordinator").exists()

    def test_without_coordinators_the_program_address_is_told(self, match, learner, program):
        services.support_request_create(match=match, by=learner, kind=SupportKind.HELP, text="Help")
        assert OutgoingEmail.objects.get(kind="support-request-coordinator").to == program.contact_email

    def test_ending_the_match_answers_its_requests(self, match, mentor, coordinator_of, program):
        coordinator = coordinator_of(program)
        services.support_request_create(match=match, by=mentor, kind=SupportKind.END_EARLY, text="I moved.")
        matching_services.match_end(match=match, reason="The mentor moved.", rematch=True, by=coordinator)
        request = SupportRequest.objects.get()
        assert request.resolved_at and request.resolved_by == coordinator


class TestRematch:
    def test_a_rematched_mentee_goes_back_at_their_original_place(self, program, round_, mentor, learner):
        """The rule: ending a match for a rematch puts the mentee back with the
        time they were first accepted, so the program's order (a coordinator's
        placing, then time of acceptance) puts them ahead of everyone accepted
        after them, not at the end of the list."""
        now = timezone.now()
        mentee = accepted_mentee(program, learner, accepted_at=now - timedelta(days=30))
        later = accepted_mentee(program, accepted_at=now - timedelta(days=10))
        match = matching_services.match_publish_one(
            round_=round_, mentee=mentee, mentor=accepted_mentor(program, mentor)
        )
        assert list(waitlist(program)) == [later]
        matching_services.match_end(match=match, reason="Asked for a rematch", rematch=True)
        mentee.refresh_from_db()
        assert mentee.status == Status.ACCEPTED and mentee.accepted_at == now - timedelta(days=30)
        assert list(waitlist(program)) == [mentee, later]


class TestYearEnd:
    def test_matches_end_with_their_year_and_both_applications_end(self, program, publish, learner, mentor):
        year = ProgramYear.objects.create(
            program=program, name="2026–2027", starts_on=date(2026, 9, 1), ends_on=date(2027, 6, 30)
        )
        with time_machine.travel(noon(date(2026, 9, 10))):
            match = publish(learner, mentor)
            other = publish(mentor_application=match.mentor)
        with time_machine.travel(noon(date(2027, 7, 1))):
            later = publish()  # published after the year: the next year's
            assert services.matches_end_at_year_end(today=date(2027, 6, 30)) == []
            ended = services.matches_end_at_year_end(today=date(2027, 7, 1))
        assert sorted(m.pk for m in ended) == sorted([match.pk, other.pk])
        match.refresh_from_db()
        later.refresh_from_db()
        assert match.status == MatchStatus.ENDED and year.name in match.end_reason
        assert later.status == MatchStatus.PUBLISHED
        assert (match.mentee.status, match.mentor.status) == (Status.ENDED, Status.ENDED)
        assert not OutgoingEmail.objects.filter(kind="waitlist-capacity").exists()

    def test_the_task_runs_it_again_without_harm(self, program, publish):
        ProgramYear.objects.create(
            program=program, name="Past", starts_on=date(2020, 9, 1), ends_on=date(2021, 6, 30)
        )
        with time_machine.travel(noon(date(2020, 10, 1))):
            publish()
        assert matches_end_at_year_end() == 1
        assert matches_end_at_year_end() == 0
