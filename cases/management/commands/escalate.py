"""``python manage.py escalate``: run one escalation sweep now and print a summary."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from cases import sweep


class Command(BaseCommand):
    help = "Breach, warn and escalate every unacknowledged case that is due (R-CASE-10), once."

    def handle(self, *args, **options) -> None:
        result = sweep.escalation_sweep()
        self.stdout.write(result.summary())
        for case_id in result.breached:
            self.stdout.write(f"  breached #{case_id}")
        for case_id in result.warned:
            self.stdout.write(f"  warned   #{case_id}")
        for case_id in result.duty_manager:
            self.stdout.write(f"  level 2  #{case_id} (duty manager)")
        for case_id in result.head_of_support:
            self.stdout.write(f"  level 3  #{case_id} (head of support)")
