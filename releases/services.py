"""Every write of the releases app (R-REL-1 … R-REL-4, R-MNT-7).

Upgrades are maintenance changes: they are created and moved through
``maintenance.services`` and completed by maintenance, whose ``change_completed`` signal
lands in :func:`upgrade_record_completion`.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from maintenance import services as maintenance_services
from maintenance.choices import ChangeKind, ChangeTextKind
from maintenance.texts import upgrade_params
from portal import jobs
from portal.choices import Application
from portal.errors import DomainError, raise_violation
from portal.models import Customer, Partner
from portal.notifications import Event, notify, notify_many_written
from portal.tenancy import require_operator, require_partner_of
from portal.webhooks import publish_to_every_partner

from . import rules, selectors
from .models import InstalledVersion, Release, Upgrade
from .source_table import source_rows


def _require_operator(actor: Any) -> None:
    """Operator-only steps; ``actor=None`` is the system itself (beat, commands)."""
    require_operator(actor, allow_system=True)


def end_of_sale_grace() -> timedelta:
    """R-REL-2: "shortly after" a new release, n-2 enters end of sale (days, a setting)."""
    return timedelta(days=settings.RELEASES_END_OF_SALE_AFTER_DAYS)


# --- the release table ---------------------------------------------------------------


@transaction.atomic
def release_delete(*, actor: Any, release: Release) -> None:
    """Staff remove a release row that no customer runs and no upgrade targets."""
    _require_operator(actor)
    if release.installations.exists() or release.upgrades.exists():
        raise DomainError(_("This release is in use."), rule="R-REL-1")
    release.delete()


@transaction.atomic
def release_save(*, actor: Any, release: Release) -> Release:
    """Create or edit a release row (staff). Positions stay derived; policy cells left
    empty follow them (R-REL-3). Compliance is refreshed at once."""
    _require_operator(actor)
    if not release.version.strip():
        raise DomainError(_("Give the version."), field="version", rule="R-REL-2")
    if release.upgrade_target_id and release.upgrade_target_id == release.pk:
        raise DomainError(
            _("A release cannot be its own upgrade target."), field="upgrade_target", rule="R-REL-3"
        )
    clash = Release.objects.filter(
        version=release.version, service_update=release.service_update
    ).exclude(pk=release.pk)
    if clash.exists():
        raise DomainError(_("This release already exists."), field="version", rule="R-REL-2")
    release.save()
    compliance_refresh()
    return release


@transaction.atomic
def release_announce(*, actor: Any, release: Release, available_on: date | None = None) -> Release:
    """Make a release available (R-REL-2, R-REL-4).

    Every other version shifts down one position: the new one is n, n becomes n-1, n-1
    becomes n-2 and starts its end of sale (dated ``end_of_sale_grace`` after availability
    unless already dated). Partners of the customers whose installed release changed
    position are notified, once per customer, in the same transaction.
    """
    _require_operator(actor)
    today = timezone.localdate()
    available_on = available_on or today
    if available_on > today:
        raise DomainError(
            _("Announce a release when it is available, not before."),
            field="available_on",
            rule="R-REL-2",
        )
    release = Release.objects.select_for_update().get(pk=release.pk)
    if release.available_on is not None and release.available_on <= available_on:
        raise DomainError(_("This release is already available."), rule="R-REL-2")
    preview = selectors.announce_preview(release, available_on=available_on)
    release.available_on = available_on
    release.save(update_fields=["available_on"])
    shifted = preview.shifted_ids
    Release.objects.filter(pk__in=[r.pk for r in preview.end_of_sale]).update(
        end_of_sale=available_on + end_of_sale_grace()
    )
    compliance_refresh(today=available_on)
    # Every customer on a shifted release hears of it, even when its state stays the same
    # (n-1 that must upgrade becomes n-2 that must upgrade, now to the new release).
    InstalledVersion.objects.filter(release_id__in=shifted).update(notified_state="")
    compliance_notify(event=f"announce:{release.pk}", announced=release.pk)
    publish_to_every_partner(  # R-NOT-4: a release concerns every partner
        type="release.announced",
        data={
            "release_id": release.pk,
            "version": release.version,
            "service_update": release.service_update,
            "label": release.key.short_label,
            "available_on": release.available_on,
            "end_of_sale": release.end_of_sale,
            "end_of_life": release.end_of_life,
        },
        dedupe_key=f"release.announced:{release.pk}:{available_on.isoformat()}",
    )
    return release


@transaction.atomic
def release_table_load(*, actor: Any = None, available_on: date | None = None) -> list[Release]:
    """Load the source's R-REL-3 table as data (idempotent).

    Only the cells that differ from the position defaults are stored, so the loaded rows
    reproduce the table exactly now and keep following R-REL-2 when positions shift.
    """
    _require_operator(actor)
    available_on = available_on or timezone.localdate()
    loaded: list[Release] = []
    for row in source_rows():
        release, _created = Release.objects.update_or_create(
            version=row.key.version,
            service_update=row.key.service_update,
            defaults={
                "new_deployments": row.overrides.new_deployments,
                "upgrades_supported": row.overrides.upgrades_supported,
                "may_stay": row.overrides.may_stay,
            },
        )
        if release.available_on is None or release.available_on > available_on:
            release.available_on = available_on
            release.save(update_fields=["available_on"])
        loaded.append(release)
    by_key = {r.key: r for r in loaded}
    for release, row in zip(loaded, source_rows(), strict=True):
        target = by_key.get(row.upgrade_target) if row.upgrade_target else None
        if release.upgrade_target_id != (target.pk if target else None):
            release.upgrade_target = target
            release.save(update_fields=["upgrade_target"])
    compliance_refresh()
    return loaded


# --- installed versions and compliance -------------------------------------------------


@transaction.atomic
def installed_version_set(
    *,
    actor: Any,
    customer: Customer,
    application: str,
    release: Release,
    installed_at: datetime | None = None,
    existing_deployment: bool = False,
) -> InstalledVersion:
    """Record the release an application of a customer runs (R-REL-1; staff).

    A new customer's first installed version must support new deployments (R-REL-3, R-REL-4
    Decision); ``existing_deployment`` records a customer that already ran its releases
    before it was recorded here, which the rule does not concern. The compliance state is
    computed at once and counts as told: only later changes of state (a shift, a policy
    edit, an end-of-sale date passing) are notified.
    """
    _require_operator(actor)
    if application not in Application.values:
        raise DomainError(_("Unknown application."), field="application", rule="R-REL-1")
    cat = selectors.catalogue()
    if not existing_deployment and not InstalledVersion.objects.filter(customer=customer).exists():
        raise_violation(rules.first_installation_violation(release=cat.view(release).status))
    compliance = cat.compliance(release)
    target = cat.release_for(compliance.target)
    installed, _created = InstalledVersion.objects.update_or_create(
        customer=customer,
        application=application,
        defaults={
            "release": release,
            "installed_at": installed_at or timezone.now(),
            "compliance_state": compliance.state,
            "compliance_target": target,
            "notified_state": compliance.state,
        },
    )
    return installed


@transaction.atomic
def installed_version_remove(*, actor: Any, installed: InstalledVersion) -> None:
    """Staff remove an application a customer no longer runs (R-REL-1)."""
    _require_operator(actor)
    installed.delete()


def compliance_refresh(*, today: date | None = None) -> int:
    """Recompute the compliance of every installed version, set-based (R-REL-2, R-REL-3).

    Compliance depends only on the release row, so it is computed once per release and
    written with one conditional UPDATE per release: the cost follows the size of the
    release table, not the number of customers. Returns rows changed.
    """
    cat = selectors.catalogue(today=today)
    changed = 0
    for release in cat.releases:
        compliance = cat.compliance(release)
        target = cat.release_for(compliance.target)
        target_id = target.pk if target else None
        stale = ~Q(compliance_state=compliance.state)
        if target_id is None:
            stale |= Q(compliance_target__isnull=False)
        else:
            stale |= Q(compliance_target__isnull=True) | ~Q(compliance_target_id=target_id)
        changed += (
            InstalledVersion.objects.filter(release=release)
            .filter(stale)
            .update(compliance_state=compliance.state, compliance_target_id=target_id)
        )
    return changed


def compliance_notify(*, event: str | None = None, announced: int | None = None) -> int:
    """Tell partners of each change of compliance state, once (R-REL-2, R-REL-4).

    One indexed query (a partial index on state ≠ notified state) finds what changed. The
    customers concerned are claimed in batches through ``portal.jobs`` (another run skips
    them), so concurrent runs never notify a change twice; a customer's rows become one
    notification, and each row is stored as notified with the state the message told (a state
    that moved meanwhile is told by the next run). Returns notifications written.
    """
    run = jobs.run_batches(
        name="releases compliance notices",
        due=lambda: Customer.objects.filter(pk__in=_changed_compliance().values("customer_id")),
        handle=lambda ids: _notify_customers(ids, event=event, announced=announced),
    )
    return run.counts.get("written", 0)


def _changed_compliance() -> QuerySet:
    return InstalledVersion.objects.filter(~Q(compliance_state=F("notified_state")))


def _notify_customers(
    customer_ids: list[int], *, event: str | None, announced: int | None
) -> dict[str, int]:
    """Notify a claimed batch of customers, then store each row as notified with the state
    its message told: one read, the outbox's INSERT, one UPDATE, whatever the
    batch's size. The UPDATE writes each row's state as read (not the row's state now), so a
    state that moved meanwhile stays different from the notified one: the next run tells it."""
    rows = (
        _changed_compliance()
        .filter(customer_id__in=customer_ids)
        .select_related("customer")
        .order_by("customer_id", "application")
    )
    by_customer: dict[int, list[InstalledVersion]] = defaultdict(list)
    by_state: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        by_customer[row.customer_id].append(row)
        by_state[row.compliance_state].append(row.pk)
    if not by_customer:
        return {"written": 0}
    events = [
        _compliance_event(claimed, event=event, announced=announced)
        for claimed in by_customer.values()
    ]
    InstalledVersion.objects.filter(pk__in=[pk for ids in by_state.values() for pk in ids]).update(
        notified_state=Case(
            *(When(pk__in=ids, then=Value(state)) for state, ids in by_state.items()),
            default=F("notified_state"),
        )
    )
    return {"written": sum(notify_many_written(events).values())}


def _compliance_event(
    claimed: Sequence[InstalledVersion], *, event: str | None, announced: int | None
) -> Event:
    """One customer's changed rows as one event (R-REL-2, R-REL-4); its key names the event
    (an announcement) or else the rows and states told."""
    customer = claimed[0].customer
    signature = ",".join(f"{row.pk}={row.compliance_state}" for row in claimed)
    key = event or hashlib.sha1(signature.encode()).hexdigest()[:16]  # noqa: S324 - not security
    return Event(
        kind="release.compliance",
        partner_id=customer.partner_id,
        customer_id=customer.pk,
        context={
            # the states told, as values: the message says what was decided now
            "rows": [
                [row.application, row.release_id, row.compliance_state, row.compliance_target_id]
                for row in claimed
            ],
            "announced": announced,
        },
        related=customer,
        dedupe_key=f"releases:compliance:{customer.pk}:{key}",
    )


def compliance_check(*, today: date | None = None) -> dict[str, int]:
    """The daily duty: refresh states, then notify the changes (R-REL-2)."""
    return {
        "changed": compliance_refresh(today=today),
        "notified": compliance_notify(),
    }


# --- upgrades (R-REL-4, R-MNT-7) -----------------------------------------------------------


@transaction.atomic
def upgrade_schedule(
    *,
    actor: Any,
    partner: Partner,
    customers: Iterable[Customer | int],
    target: Release,
    reason: str,
    start: datetime,
    end: datetime,
    applications: Sequence[str] = (),
    title: str = "",
    description: str = "",
    case: Any = None,
    advisory: str = "",
    now: datetime | None = None,
) -> Upgrade:
    """Plan an upgrade: a maintenance change of kind ``upgrade`` with a target release and
    an R-MNT-7 reason, scheduled in the customers' windows by maintenance (R-MNT-2).

    The target must be one the release policy allows and never older than what a customer
    runs (R-REL-3, R-REL-4); the reason must be true of the customers (R-MNT-7). The
    partner is told which customers will be upgraded and to which version (R-REL-4)."""
    _require_operator(actor)
    unknown = set(applications) - set(Application.values)
    if unknown:
        raise DomainError(_("Unknown application."), field="applications", rule="R-REL-1")
    customers = _customers_of(partner, customers)
    cat = selectors.catalogue(today=timezone.localdate(now) if now else None)
    installed = selectors.installed_releases(cat, customers, applications)
    raise_violation(
        rules.upgrade_target_violation(target=cat.rules.status(target.key), installed=installed)
    )
    raise_violation(
        rules.upgrade_reason_violation(
            reason=reason,
            customers=[c.name for c in customers],
            installed=installed,
            advisory=advisory,
            has_case=case is not None,
            today=cat.today,
        )
    )
    if case is not None and case.customer_id not in {c.pk for c in customers}:
        raise DomainError(
            _("Link the TAC case in which this customer's partner asked for the features."),
            field="case",
            rule="R-MNT-7",
        )
    apps = sorted(applications)
    # Without a typed title or description the change renders "Upgrade to …" in the
    # reader's language (maintenance.texts); only what staff typed is stored as text.
    change = maintenance_services.change_schedule(
        actor=actor,
        partner=partner,
        kind=ChangeKind.UPGRADE,
        title=title.strip(),
        customers=customers,
        start=start,
        end=end,
        description=description.strip(),
        text_kind=ChangeTextKind.UPGRADE,
        text_params=upgrade_params(release=target.key.short_label, applications=apps),
        reason=reason,
        case=case,
        now=now,
    )
    upgrade = Upgrade.objects.create(
        change=change, target=target, applications=apps, advisory=advisory.strip()
    )
    customer_ids = list(change.customers.values_list("pk", flat=True))
    notify(
        kind="upgrade.planned",
        partner=partner,
        customer=customer_ids[0] if len(customer_ids) == 1 else None,
        customers=customer_ids,
        context={"upgrade": upgrade.pk},
        related=upgrade,
        dedupe_key=f"upgrade:{upgrade.pk}:planned",
    )
    return upgrade


def _customers_of(partner: Partner, customers: Iterable[Customer | int]) -> list[Customer]:
    """The upgrade's customers as rows; another partner's customer is refused, as if it did
    not exist."""
    ids = {c.pk if isinstance(c, Customer) else int(c) for c in customers}
    if not ids:
        raise DomainError(_("Name at least one affected customer."), field="customers")
    found = list(Customer.objects.filter(pk__in=ids, partner=partner).order_by("name"))
    if len(found) != len(ids):
        raise DomainError(
            _("Every affected customer must belong to the change's partner."), field="customers"
        )
    return found


@transaction.atomic
def upgrade_reschedule(
    *,
    actor: Any,
    upgrade: Upgrade,
    start: datetime,
    end: datetime,
    reason: str,
    now: datetime | None = None,
) -> Upgrade:
    """The partner moves its upgrade, once, up to one week before it starts (R-REL-4).

    The new times must fit the customers' maintenance windows (R-MNT-2, checked by
    maintenance). The one reschedule is claimed with a conditional update, so two
    concurrent attempts cannot both succeed.
    """
    now = now or timezone.now()
    change = upgrade.change
    require_partner_of(
        actor, change.partner_id, message=_("This upgrade does not exist."), rule="Actors"
    )
    if not reason or not reason.strip():
        raise DomainError(_("Give the reason for rescheduling."), field="reason", rule="R-REL-4")
    if change.start is None or upgrade.completed_at is not None:
        raise DomainError(_("This upgrade cannot be rescheduled."), rule="R-REL-4")
    raise_violation(
        rules.upgrade_reschedule_violation(
            start=change.start, now=now, reschedules_used=upgrade.reschedules_used
        )
    )
    if start <= now:
        raise DomainError(_("Choose a start in the future."), field="start", rule="R-REL-4")
    claimed = Upgrade.objects.filter(
        pk=upgrade.pk, reschedules_used__lt=rules.UPGRADE_RESCHEDULE_LIMIT
    ).update(
        reschedules_used=F("reschedules_used") + 1,
        rescheduled_at=now,
        reschedule_reason=reason.strip(),
    )
    if claimed != 1:
        raise_violation(
            rules.upgrade_reschedule_violation(start=change.start, now=now, reschedules_used=1)
        )
    # The partner's authority was checked above; maintenance moves the change as the system,
    # validating the new times against the customers' windows and sending the notice.
    # R-MNT-13: a campaign's upgrade moves only to a window of its campaign with room.
    maintenance_services.change_plan(
        actor=None, change=change, start=start, end=end, now=now, within_campaign=True
    )
    upgrade.refresh_from_db()
    return upgrade


@transaction.atomic
def upgrade_record_completion(*, upgrade: Upgrade, completed_at: datetime) -> int:
    """An upgrade change completed: installed versions move to the target and the partner
    is notified (R-REL-4). Runs inside maintenance's completing transaction."""
    claimed = Upgrade.objects.filter(pk=upgrade.pk, completed_at__isnull=True).update(
        completed_at=completed_at
    )
    if claimed != 1:
        return 0
    cat = selectors.catalogue()
    compliance = cat.compliance(upgrade.target)
    target = cat.release_for(compliance.target)
    customers = list(upgrade.change.customers.select_related("partner").order_by("name"))
    updated = 0
    for customer in customers:
        installed = InstalledVersion.objects.filter(customer=customer)
        if upgrade.applications:
            installed = installed.filter(application__in=upgrade.applications)
        updated += installed.update(
            release=upgrade.target,
            installed_at=completed_at,
            compliance_state=compliance.state,
            compliance_target=target,
            notified_state=compliance.state,
        )
        known = set(
            InstalledVersion.objects.filter(customer=customer).values_list("application", flat=True)
        )
        for application in set(upgrade.applications) - known:
            InstalledVersion.objects.create(
                customer=customer,
                application=application,
                release=upgrade.target,
                installed_at=completed_at,
                compliance_state=compliance.state,
                compliance_target=target,
                notified_state=compliance.state,
            )
            updated += 1
        notify(
            kind="upgrade.completed",
            partner=customer.partner_id,
            customer=customer,
            context={"upgrade": upgrade.pk},
            related=upgrade,
            dedupe_key=f"upgrade:{upgrade.pk}:completed:{customer.pk}",
        )
    return updated
