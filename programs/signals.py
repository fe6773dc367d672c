"""Events programs announces to the apps above it (they subscribe in their
``AppConfig.ready``; programs never imports them)."""

from django.dispatch import Signal

# Sent by services.coordinator_add when a person becomes a coordinator of a
# program (the admin's coordinators page calls it).
# Arguments: program, user, membership_id (the coordinators row, new for each
# onboarding, so a receiver can make its work idempotent per onboarding).
coordinator_added = Signal()
