"""Events programs announces to the apps above it (they subscribe in their
``AppConfig.ready``; programs never imports them)."""

from django.dispatch import Signal

# Sent once for each person who becomes a coordinator of a program, however the
# relation changed (the admin, a service, ``program.coordinators.add``).
# Arguments: program, user, membership_id (the coordinators row, new for each
# onboarding, so a receiver can make its work idempotent per onboarding).
coordinator_added = Signal()
