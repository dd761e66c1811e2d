"""Signals other apps listen to, so that maintenance never imports them.

``change_completed`` is sent inside the completing transaction (receivers' writes commit or
roll back with the completion), with ``change`` and ``completed_at``. The releases app uses it
to record upgraded versions when an ``upgrade`` change completes (R-REL-4).
"""

from django.dispatch import Signal

change_completed = Signal()  # kwargs: change, completed_at
change_cancelled = Signal()  # kwargs: change
change_rescheduled = Signal()  # kwargs: change, previous_start, previous_end
