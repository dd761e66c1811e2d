"""Staff UI of maintenance. Every write (add, edit, action) is a call of the same service the
API and the portal use (``portal.admin_actions.ServiceAdmin``): a DomainError shows on the form
and nothing is written. Rows whose state only services move are read-only, with their
actions as buttons."""

from . import campaigns, changes, operations  # noqa: F401 - registers the model admins
