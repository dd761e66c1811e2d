"""TAC cases and their timeline (DOMAIN.md R-CASE-1 … R-CASE-13)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.history import AuditHistory
from portal.models import Customer, Partner
from portal.tenancy import TenantManager, TenantQuerySet
from portal.timefmt import show_time

from .choices import (
    Category,
    Channel,
    EventKind,
    Impact,
    OutOfScopeReason,
    Severity,
    Status,
    Urgency,
)
from .search import SearchGinIndex
from .storage import attachment_storage, attachment_upload_to


class CaseQuerySet(TenantQuerySet):
    def unacknowledged(self) -> CaseQuerySet:
        return self.filter(acknowledged_at__isnull=True)

    def open(self) -> CaseQuerySet:
        return self.exclude(status__in=[Status.RESOLVED, Status.CLOSED])


class Case(models.Model):
    """A TAC support case a partner opens for one of its customers (R-CASE-1).

    ``partner`` is derived from the customer and stored, so tenant scoping is one indexed
    column. ``response_due_at`` is stored (and recomputed on a severity change before the
    acknowledgement, R-CASE-7) so the escalation sweep finds due cases with one indexed query.
    """

    # No index of its own: the list indexes lead with the partner (only the indexes that a
    # query uses, issue 13; each one more is written again by every stamp of the sweep).
    partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("partner"),
        db_index=False,
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="cases", verbose_name=_("customer")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("problem description"))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    impact = models.CharField(_("impact"), max_length=20, choices=Impact.choices)
    affected_share = models.DecimalField(
        _("affected share"),
        # 15 places: exact on PostgreSQL and through SQLite's doubles alike (R-CASE-3).
        max_digits=16,
        decimal_places=15,
        null=True,
        blank=True,
        help_text=_("Share of the environment affected, 0-1, when given instead of an impact."),
    )
    urgency = models.CharField(_("urgency"), max_length=20, choices=Urgency.choices)
    severity = models.CharField(_("severity"), max_length=2, choices=Severity.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.WEB
    )
    contract_number = models.CharField(_("contract number"), max_length=40)
    contact_name = models.CharField(_("contact name"), max_length=200)
    contact_phone = models.CharField(_("contact phone"), max_length=40)
    contact_email = models.EmailField(_("contact e-mail"))
    # The partner's contact who reported the case (R-CASE-1), when the partner keeps them as a
    # contact: it receives the case's messages, as the watchers do.
    reporting_contact = models.ForeignKey(
        "portal.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reported_cases",
        verbose_name=_("reporting contact"),
        db_index=False,
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opened by"),
        db_index=False,
    )
    opened_at = models.DateTimeField(_("opened"))
    response_due_at = models.DateTimeField(_("response due"))
    warning_due_at = models.DateTimeField(_("warning due"))
    warned_at = models.DateTimeField(_("warned"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
        db_index=False,
    )
    breached_at = models.DateTimeField(_("breached"), null=True, blank=True)
    # R-CASE-10 Decision: the escalation chain after a breach. Each level is due one more
    # objective interval (on the severity's clock) after the previous one, counted from the
    # response due time; stored with the due time so the sweep finds them with one indexed
    # query, and stamped once when the level's people are notified.
    duty_manager_due_at = models.DateTimeField(
        _("duty manager escalation due"), null=True, blank=True
    )
    duty_manager_notified_at = models.DateTimeField(
        _("escalated to the duty manager"), null=True, blank=True
    )
    head_of_support_due_at = models.DateTimeField(
        _("head of support escalation due"), null=True, blank=True
    )
    head_of_support_notified_at = models.DateTimeField(
        _("escalated to the head of support"), null=True, blank=True
    )
    # The operator engineer working the case (the work queue); staff only.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_cases",
        verbose_name=_("owner"),
        limit_choices_to={"is_staff": True, "is_active": True},
        db_index=False,
    )
    action_plan = models.TextField(_("action plan"), blank=True)
    action_plan_at = models.DateTimeField(_("action plan updated"), null=True, blank=True)
    # R-CASE-9: the status and action plan are due one objective interval after the
    # acknowledgement, not counting time waiting on the partner; flagged once when overdue.
    action_plan_due_at = models.DateTimeField(_("action plan due"), null=True, blank=True)
    action_plan_overdue_at = models.DateTimeField(
        _("action plan flagged overdue"), null=True, blank=True
    )
    # R-CASE-12: the end of the monitoring period; the case resolves itself then.
    monitoring_until = models.DateTimeField(_("monitoring until"), null=True, blank=True)
    paused_since = models.DateTimeField(_("waiting on partner since"), null=True, blank=True)
    paused_total = models.DurationField(_("time waiting on partner"), default=timedelta(0))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    out_of_scope = models.BooleanField(_("out of scope"), default=False)
    out_of_scope_reason = models.CharField(
        _("out-of-scope reason"), max_length=30, choices=OutOfScopeReason.choices, blank=True
    )
    out_of_scope_note = models.TextField(_("out-of-scope explanation"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Full-text search (PostgreSQL): words of the title, description and comments, kept by
    # the services (cases/search.py); empty on SQLite.
    search_vector = SearchVectorField(null=True, blank=True, editable=False)

    tenant_field = "partner"
    objects = CaseQuerySet.as_manager()

    # Audit history: who changed what and when, shown to staff in the admin.
    history = AuditHistory(excluded_fields=["search_vector"])

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            # The sweep: unacknowledged, not yet breached cases by due time (R-CASE-10).
            models.Index(
                fields=["response_due_at"],
                name="case_unacked_due",
                condition=Q(acknowledged_at__isnull=True, breached_at__isnull=True),
            ),
            models.Index(
                fields=["warning_due_at"],
                name="case_unacked_warning_due",
                condition=Q(
                    acknowledged_at__isnull=True, breached_at__isnull=True, warned_at__isnull=True
                ),
            ),
            # The escalation levels of the sweep (R-CASE-10): breached, unacknowledged cases.
            models.Index(
                fields=["duty_manager_due_at"],
                name="case_duty_manager_due",
                condition=Q(acknowledged_at__isnull=True, duty_manager_notified_at__isnull=True),
            ),
            models.Index(
                fields=["head_of_support_due_at"],
                name="case_head_of_support_due",
                condition=Q(acknowledged_at__isnull=True, head_of_support_notified_at__isnull=True),
            ),
            # The work queue: open cases by owner and response due time.
            # It also holds what the queues' conditions read, so the changelist's tab counts
            # (cases.selectors.queue_counts) are one index-only scan of the open cases.
            models.Index(
                fields=["owner", "response_due_at"],
                include=["acknowledged_at", "action_plan_at", "action_plan_due_at", "status"],
                name="case_queue_owner_due",
                condition=~Q(status__in=[Status.RESOLVED, Status.CLOSED]),
            ),
            # The action-plan sweep: acknowledged cases without a plan, by due time (R-CASE-9);
            # a case not yet acknowledged has no plan due and is not in it.
            models.Index(
                fields=["action_plan_due_at"],
                name="case_action_plan_due",
                condition=Q(
                    action_plan_at__isnull=True,
                    action_plan_overdue_at__isnull=True,
                    action_plan_due_at__isnull=False,
                ),
            ),
            # The monitoring sweep: cases whose monitoring period ends (R-CASE-12).
            models.Index(
                fields=["monitoring_until"],
                name="case_monitoring_until",
                condition=Q(status=Status.MONITORING),
            ),
            # The people and contacts a case names: for their deletion (SET_NULL) and lookups
            # by person; partial, so the many cases that name nobody are not in them.
            *(
                models.Index(
                    fields=[field],
                    name=f"case_{field}",
                    condition=Q(**{f"{field}__isnull": False}),
                )
                for field in ("reporting_contact", "opened_by", "acknowledged_by", "owner")
            ),
            # Lists: a partner's cases newest first, and the staff list over all partners.
            models.Index(fields=["partner", "-opened_at", "-id"], name="case_partner_recent"),
            models.Index(fields=["-opened_at", "-id"], name="case_recent"),
            # A partner's cases by status; it also holds the severity and the breach, so the
            # dashboard counts a partner's open cases from the index alone (index-only scan).
            models.Index(
                fields=["partner", "status", "severity"],
                include=["breached_at"],
                name="case_partner_status",
            ),
            # The list's ?q= search of words (cases/search.py).
            SearchGinIndex(fields=["search_vector"], name="case_search_gin"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(affected_share__isnull=True)
                | Q(affected_share__gte=0, affected_share__lte=1),
                name="case_affected_share_0_1",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    def clean(self) -> None:
        if self.customer_id and self.partner_id and self.customer.partner_id != self.partner_id:
            raise ValidationError({"customer": _("The customer belongs to another partner.")})

    @property
    def breached(self) -> bool:
        """Not acknowledged by its due time (R-CASE-10); recorded once by the sweep."""
        return self.breached_at is not None

    @property
    def escalation_level(self) -> int:
        """0 before a breach; 1 breached; 2 the duty manager told; 3 the head of support told
        (R-CASE-10)."""
        if self.head_of_support_notified_at is not None:
            return 3
        if self.duty_manager_notified_at is not None:
            return 2
        return 1 if self.breached_at is not None else 0

    @property
    def affected_share_text(self) -> str:
        """The affected share as given, without trailing zeros ("0.3333333"); "" when none."""
        if self.affected_share is None:
            return ""
        return format(self.affected_share.normalize(), "f")

    @property
    def action_plan_overdue(self) -> bool:
        """The plan is due, not given, and the clock runs (not waiting on the partner, not
        resolved) (R-CASE-9)."""
        from .rules import action_plan_overdue

        return action_plan_overdue(
            status=self.status,
            due_at=self.action_plan_due_at,
            plan_given_at=self.action_plan_at,
            now=timezone.now(),
        )

    @property
    def is_open(self) -> bool:
        return self.status not in (Status.RESOLVED, Status.CLOSED)

    @property
    def awaiting_acknowledgement(self) -> bool:
        return self.acknowledged_at is None

    def waiting_on_partner(self, now: datetime | None = None) -> timedelta:
        """Time spent waiting on the partner, shown apart (R-CASE-9)."""
        total = self.paused_total or timedelta(0)
        if self.paused_since is not None:
            total += (now or timezone.now()) - self.paused_since
        return total


class CaseEventQuerySet(TenantQuerySet):
    """Append-only: the timeline is the audit trail, nothing is ever changed or deleted."""

    def update(self, **kwargs):  # type: ignore[override]
        raise TypeError("Case events are append-only.")

    def delete(self):  # type: ignore[override]
        raise TypeError("Case events are append-only.")


class CaseEvent(models.Model):
    """One entry of a case's timeline: who did what and when (R-CASE-6, R-CASE-10).

    Severity changes keep the actor, the time, from, to and the reason. Rows are only ever
    inserted.
    """

    # No index of its own: the timeline index leads with the case (issue 13).
    case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("case"),
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
        db_index=False,
    )
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    from_value = models.CharField(_("from"), max_length=30, blank=True)
    to_value = models.CharField(_("to"), max_length=30, blank=True)
    text = models.TextField(_("text"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    tenant_field = "case__partner"
    objects = CaseEventQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        indexes = [
            models.Index(fields=["case", "at", "id"], name="caseevent_timeline"),
            # A person's entries (their deletion sets them to nobody); the system's many
            # entries (the sweeps') have no actor and are not in it.
            models.Index(
                fields=["actor"], name="caseevent_actor", condition=Q(actor__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} @ {show_time(self.at)}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise TypeError("Case events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[override]
        raise TypeError("Case events are append-only.")

    def _label(self, value: str) -> str:
        """A status change shows the statuses' names, not their codes; an out-of-scope mark
        its reason's name, in the reader's language."""
        if self.kind == EventKind.STATUS_CHANGE and value in Status.values:
            return str(Status(value).label)
        if self.kind == EventKind.OUT_OF_SCOPE and value in OutOfScopeReason.values:
            return str(OutOfScopeReason(value).label)
        return value

    @property
    def display_text(self) -> str:
        """The event's text in the active language: what a person wrote, else the words the
        system renders from the event's kind and data (never stored as text)."""
        if self.text:
            return self.text
        data = self.data or {}
        if self.kind == EventKind.STATUS_CHANGE and data.get("monitoring_ended"):
            return gettext("The monitoring period ended without a recurrence.")
        if self.kind == EventKind.ASSIGNMENT:
            if self.to_value:
                return gettext("Assigned to %(owner)s.") % {"owner": self.to_value}
            return gettext("Unassigned (was %(old)s).") % {"old": self.from_value}
        if self.kind == EventKind.ESCALATION and data.get("level"):
            whom = (
                gettext("the duty manager")
                if int(data["level"]) == 2
                else gettext("the head of support")
            )
            return gettext(
                "Escalated to %(whom)s (level %(level)s): still not acknowledged one more "
                "response interval after the breach."
            ) % {"whom": whom, "level": data["level"]}
        return ""

    @property
    def from_label(self) -> str:
        return self._label(self.from_value)

    @property
    def to_label(self) -> str:
        return self._label(self.to_value)


class CaseAttachment(models.Model):
    """A file attached to a case (a log, a packet capture, a screenshot, a trace).

    Stored through Django's storage API (the "attachments" storage: a local folder or an
    S3-compatible bucket) under a random per-case path; the original name, the size and the
    SHA-256 are kept. The declared content type is kept for the record but never trusted:
    downloads are always served as attachments, through a tenant-checked view.
    """

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("case")
    )
    file = models.FileField(
        _("file"), storage=attachment_storage, upload_to=attachment_upload_to, max_length=300
    )
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    declared_content_type = models.CharField(_("declared content type"), max_length=150, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_by_contact = models.ForeignKey(
        "portal.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by contact"),
    )
    uploader_name = models.CharField(_("uploader"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    tenant_field = "case__partner"
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("case attachment")
        verbose_name_plural = _("case attachments")
        indexes = [models.Index(fields=["case", "created_at", "id"], name="caseattachment_case")]

    def __str__(self) -> str:
        return self.original_name


class CaseWatcher(models.Model):
    """A contact of the partner that follows a case: it receives the case's messages besides
    the contacts subscribed to the category (issue 12). Partners add and remove watchers;
    a customer's own contact may watch only that customer's cases."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="watchers", verbose_name=_("case")
    )
    contact = models.ForeignKey(
        "portal.Contact",
        on_delete=models.CASCADE,
        related_name="watched_cases",
        verbose_name=_("contact"),
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    added_at = models.DateTimeField(_("added"))

    tenant_field = "case__partner"
    objects = TenantManager()

    class Meta:
        ordering = ["added_at", "id"]
        verbose_name = _("case watcher")
        verbose_name_plural = _("case watchers")
        constraints = [
            models.UniqueConstraint(fields=["case", "contact"], name="case_watcher_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.contact} → {self.case}"
