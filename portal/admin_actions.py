"""One write path for the admin: every staff write is a service call.

The admin is staff's main tool, so it must refuse exactly what the API and the portal refuse.
:class:`ServiceAdmin` is the base of every model admin that writes:

- ``save_model``/``delete_model`` of a subclass call a service; a :class:`DomainError` they
  raise becomes an error on the form (the typed values are kept), never a 500, and nothing of
  the failed write stays behind (the admin view runs in one transaction);
- object actions (``object_actions``) are pages at ``<pk>/do/<name>/``, listed as buttons on
  the change form, each a small form whose cleaned data goes to one service; an action with
  wide effects carries a ``confirm`` text that the page shows before anything is done;
- ``run_each`` runs a service for every selected row of a changelist action and reports the
  refused rows one by one;
- ``is_editable(obj)`` decides whether the change form may be saved; when it may not, the form
  is read-only and offers no Save button.
"""

from __future__ import annotations

import datetime
import html
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.templatetags.admin_list import (
    ResultList,
    _coerce_field_name,
    results,
)
from django.contrib.admin.utils import (
    FieldIsAForeignKeyColumnName,
    _get_non_gfk_field,
    display_for_field,
    display_for_value,
    lookup_field,
    quote,
)
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .errors import DomainError, add_domain_error


class ConfirmForm(forms.Form):
    """An action that needs nothing but a confirmation."""


@dataclass(frozen=True)
class AdminAction:
    """One staff action on one object, backed by one service.

    ``run(request, obj, **cleaned_data)`` calls the service; ``initial(obj)`` pre-fills the
    form; ``available(obj)`` hides the button where the action cannot apply (the service still
    decides); ``confirm`` says what the action will do, for actions with wide effects: a text,
    or ``confirm(obj)`` returning one when it depends on the object.
    """

    name: str
    label: Any
    run: Callable[..., Any]
    form: type[forms.Form] = ConfirmForm
    initial: Callable[[Any], dict] | None = None
    available: Callable[[Any], bool] = field(default=lambda obj: True)
    confirm: Any = None
    success: Any = _("Saved.")


def for_staff(error: DomainError) -> DomainError:
    """Service messages speak plain language; the admin adds the rule id for staff."""
    if not error.rule or error.rule in str(error.message):
        return error
    return DomainError(f"{error.message} ({error.rule})", field=error.field, rule=error.rule)


class _DomainErrorOnSave(Exception):
    def __init__(self, error: DomainError) -> None:
        super().__init__(str(error))
        self.error = error


class ServiceAdmin(admin.ModelAdmin):
    """Base of the admins whose writes go through services (see the module docstring)."""

    object_actions: tuple[AdminAction, ...] = ()
    action_template = "admin/portal/action_form.html"
    change_form_template = "admin/portal/service_change_form.html"

    # --- saving: DomainError -> form error ------------------------------------------------

    def is_editable(self, obj: Any) -> bool:
        """Whether the change form of ``obj`` may be saved (read-only otherwise)."""
        return True

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and not self.is_editable(obj):
            return False
        return super().has_change_permission(request, obj)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        error = getattr(request, "_service_admin_error", None)
        if error is None:
            return form_class

        class WithServiceError(form_class):  # type: ignore[misc, valid-type]
            def clean(self) -> dict:
                data = super().clean()
                add_domain_error(self, for_staff(error))
                return data

        return WithServiceError

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        try:
            self.service_save(request, obj, form, change)
        except DomainError as exc:
            raise _DomainErrorOnSave(exc) from exc

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        try:
            self.service_save_related(request, form, formsets, change)
        except DomainError as exc:
            raise _DomainErrorOnSave(exc) from exc

    def service_save_related(
        self, request: HttpRequest, form: Any, formsets: Any, change: bool
    ) -> None:
        """Override when the service of ``service_save`` already wrote the relations."""
        super().save_related(request, form, formsets, change)

    def service_save(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Override: call the service that saves ``obj`` from ``form.cleaned_data``."""
        super().save_model(request, obj, form, change)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        try:
            with transaction.atomic():
                return super().changeform_view(request, object_id, form_url, extra_context)
        except _DomainErrorOnSave as exc:
            # Everything of the failed save was rolled back; show the form again with what was
            # typed and the service's message on its field.
            request._service_admin_error = exc.error  # type: ignore[attr-defined]
            return super().changeform_view(request, object_id, form_url, extra_context)

    # --- deleting through the service ------------------------------------------------------

    def delete_view(self, request: HttpRequest, object_id: str, extra_context=None):
        try:
            with transaction.atomic():
                return super().delete_view(request, object_id, extra_context)
        except DomainError as exc:
            self.message_user(request, for_staff(exc).message, messages.ERROR)
            return HttpResponseRedirect(reverse(self._url_name("change"), args=[object_id]))

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        self.run_each(request, queryset, lambda obj: self.delete_model(request, obj), None)

    # --- changelist actions ----------------------------------------------------------------

    def run_each(
        self,
        request: HttpRequest,
        objects: Iterable[Any],
        func: Callable[[Any], Any],
        done: Any,
    ) -> int:
        """Call ``func`` (a service) for each object; report refusals one by one."""
        ok = 0
        for obj in objects:
            try:
                with transaction.atomic():
                    func(obj)
            except DomainError as exc:
                self.message_user(request, f"{obj}: {for_staff(exc).message}", messages.ERROR)
            else:
                ok += 1
        if ok and done:
            self.message_user(
                request,
                gettext("%(what)s: %(count)d") % {"what": done, "count": ok},
                messages.SUCCESS,
            )
        return ok

    # --- object action pages ---------------------------------------------------------------

    def _url_name(self, suffix: str) -> str:
        opts = self.model._meta
        return f"admin:{opts.app_label}_{opts.model_name}_{suffix}"

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<int:pk>/do/<str:what>/",
                self.admin_site.admin_view(self.object_action_view),
                name=f"{opts.app_label}_{opts.model_name}_action",
            ),
            *super().get_urls(),
        ]

    def available_actions(self, obj: Any) -> list[AdminAction]:
        return [a for a in self.object_actions if a.available(obj)]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        obj = self.get_object(request, object_id)
        if obj is not None:
            extra_context["service_actions"] = [
                (a.label, reverse(self._url_name("action"), args=[obj.pk, a.name]))
                for a in self.available_actions(obj)
            ]
        return super().change_view(request, object_id, form_url, extra_context)

    def object_action_view(self, request: HttpRequest, pk: int, what: str) -> HttpResponse:
        actions = {a.name: a for a in self.object_actions}
        if what not in actions or not self.has_view_permission(request):
            return HttpResponseRedirect(reverse(self._url_name("changelist")))
        obj = get_object_or_404(self.get_queryset(request), pk=pk)
        action = actions[what]
        initial = action.initial(obj) if action.initial else {}
        # A confirmation posts no field at all: bind on the method, not on the data.
        posted = request.method == "POST"
        form = action.form(
            request.POST if posted else None, request.FILES if posted else None, initial=initial
        )
        if request.method == "POST" and form.is_valid():
            try:
                with transaction.atomic():
                    action.run(request, obj, **form.cleaned_data)
            except DomainError as exc:
                add_domain_error(form, for_staff(exc))
            else:
                self.message_user(request, str(action.success), messages.SUCCESS)
                return HttpResponseRedirect(reverse(self._url_name("change"), args=[obj.pk]))
        confirm = action.confirm(obj) if callable(action.confirm) else action.confirm
        return self.render_action_form(
            request, form, title=f"{action.label} — {obj}", obj=obj, confirm=confirm
        )

    def render_action_form(
        self, request: HttpRequest, form: forms.Form, *, title: str, obj: Any, confirm: Any = None
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "form": form,
            "original": obj,
            "confirm": confirm,
            "change_url": reverse(self._url_name("change"), args=[obj.pk]) if obj else None,
        }
        return TemplateResponse(
            request, self.action_template, context, status=400 if form.errors else 200
        )


def row_action(description: Any, write: Callable[[HttpRequest, Any], Any], done: Any) -> Any:
    """A changelist action of a :class:`ServiceAdmin`: ``write(request, obj)`` (a service)
    for each selected row through ``run_each``; ``done`` names the outcome in the message.

        complete = row_action(_("Complete"), lambda request, c: services.change_complete(
            actor=request.user, change=c), _("Completed"))
    """

    @admin.action(description=description)
    def action(self: Any, request: HttpRequest, queryset: Any) -> None:
        self.run_each(request, queryset, lambda obj: write(request, obj), done)

    return action


class CheapRowsMixin:
    """A changelist whose rows cost less to write, with the same HTML as Django's: the
    selection checkbox is written with ``format_html`` (Django renders a widget template per
    row), the change link of a row comes from one reversed URL per page (Django reverses it
    once per linked column and row), and the rows are written by :func:`cheap_results` (its
    changelist template, ``admin/portal/cheap_change_list.html``, is the base of the model's
    ``change_list_template``)."""

    def action_checkbox(self, obj: Any) -> str:
        label = format_html(gettext(_DJANGO_SELECT_LABEL), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            label,
        )

    def get_changelist(self, request: HttpRequest, **kwargs: Any):
        return _PrefixChangeList


# Django's own message (its admin catalog translates it), not one of the portal's.
_DJANGO_SELECT_LABEL = "Select this object for an action - {}"
_PK_SLOT = "__pk__"


class _PrefixChangeList(ChangeList):
    def url_for_result(self, result: Any) -> str:
        template = getattr(self, "_change_url", None)
        if template is None:
            template = self._change_url = reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                args=(_PK_SLOT,),
                current_app=self.model_admin.admin_site.name,
            )
        return template.replace(_PK_SLOT, str(quote(getattr(result, self.pk_attname))), 1)


def shortened(text: str, limit: int) -> str:
    """``Truncator(text).chars(limit)`` without its work on a short ASCII text (which it
    answers unchanged)."""
    if len(text) <= limit and text.isascii():
        return text
    return Truncator(text).chars(limit)


def titled(text: str, limit: int) -> str:
    """A changelist cell's text shortened to ``limit`` characters, whole in its tooltip."""
    return mark_safe(  # noqa: S308 - both parts escaped here
        f'<span title="{html.escape(text)}">{html.escape(shortened(text, limit))}</span>'
    )


# --- changelist rows ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    """What Django's ``items_for_result`` works out for a column on every row, worked out
    once per page."""

    name: Any  # the list_display entry
    field: Any  # the model field (None: a callable, an admin method or a model attribute)
    attr: Any  # what is called with the row: a callable or an admin method (else None)
    tag: str  # "th" for the row's first link, else "td"
    classes: tuple[str, ...]  # the cell's classes (Django's before it reads the value)
    value_classes: tuple[str, ...]  # … and once the value is read
    link: bool
    empty: str  # the admin's empty value
    value_empty: str  # … or the column's own
    boolean: bool
    choices: dict | None


def _columns(cl: ChangeList) -> list[_Column]:
    model_admin = cl.model_admin
    columns = []
    first = True
    for index, name in enumerate(cl.list_display):
        empty = value_empty = model_admin.get_empty_value_display()
        if cl.list_display_links is None:
            link = False
        elif first and not cl.list_display_links:
            link = True
        else:
            link = name in cl.list_display_links
        tag = "th" if link and first else "td"
        first = first and not link
        classes = value_classes = (f"field-{_coerce_field_name(name, index)}",)
        try:
            model_field = _get_non_gfk_field(cl.lookup_opts, name)
        except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
            model_field = None
        attr, boolean, choices = None, False, None
        if model_field is None:
            if callable(name):
                attr = name
            elif hasattr(model_admin, name) and name != "__str__":
                attr = getattr(model_admin, name)
            if attr is not None:
                value_empty = getattr(attr, "empty_value_display", empty)
                boolean = getattr(attr, "boolean", False)
            if name == "action_checkbox":
                value_classes = ("action-checkbox",)
        elif not model_field.auto_created:
            if isinstance(model_field, (models.DateField, models.TimeField, models.ForeignKey)):
                value_classes = (*value_classes, "nowrap")
            if getattr(model_field, "flatchoices", None):
                try:
                    # The labels in the page's language, translated once, not on every row.
                    choices = {k: str(v) for k, v in model_field.flatchoices}
                except TypeError:  # list-like choices: Django's own path
                    choices = None
        columns.append(
            _Column(
                name,
                model_field,
                attr,
                tag,
                classes,
                value_classes,
                link,
                empty,
                value_empty,
                boolean,
                choices,
            )
        )
    return columns


def _cell(cl: ChangeList, column: _Column, result: Any) -> str:
    """One cell, exactly as Django's ``items_for_result`` writes it."""
    classes = column.value_classes
    try:
        if column.attr is not None:
            model_field, attr, value = None, column.attr, column.attr(result)
        elif column.field is not None:
            model_field, attr, value = column.field, None, getattr(result, column.name)
        else:  # a model attribute or a related lookup: Django's own resolution
            model_field, attr, value = lookup_field(column.name, result, cl.model_admin)
    except ObjectDoesNotExist:
        classes, text = column.classes, column.empty
    else:
        empty = column.value_empty
        boolean = column.boolean
        if column.attr is None and column.field is None:
            empty = getattr(attr, "empty_value_display", column.empty)
            boolean = getattr(attr, "boolean", False)
            if isinstance(attr, property) and hasattr(attr, "fget"):
                boolean = getattr(attr.fget, "boolean", False)
        if isinstance(value, str) and value.strip() == "":
            value = ""
        if model_field is None or model_field.auto_created:
            if type(value) is SafeString and value and not boolean:
                text = value  # what display_for_value answers for it, without its checks
            elif type(value) is int and not boolean and not settings.USE_THOUSAND_SEPARATOR:
                text = str(value)  # … and for a number without grouping (an id)
            else:
                text = display_for_value(value, empty, boolean)
            if isinstance(value, (datetime.date, datetime.time)):
                classes = (*classes, "nowrap")
        elif isinstance(model_field.remote_field, models.ManyToOneRel):
            related = getattr(result, model_field.name)
            text = empty if related is None else related
        elif column.choices is not None and isinstance(value, Hashable):
            text = column.choices.get(value, empty)
        else:  # Django's own path (also for a value that cannot be a key of the labels)
            text = display_for_field(value, model_field, empty, avoid_link=column.link)
    text = conditional_escape(text)
    if column.link:
        try:
            url = cl.url_for_result(result)
        except NoReverseMatch:
            pass
        else:
            text = f'<a href="{escape(url)}">{text}</a>'
    return f'<{column.tag} class="{" ".join(classes)}">{text}</{column.tag}>'


def cheap_results(cl: ChangeList) -> Iterable[Any]:
    """The rows of a changelist page for Django's ``change_list_results.html``: the same
    HTML as its ``results(cl)``, each row one string, with what Django works out for a
    column on every row worked out once per page. A list with editable fields, a popup, a
    ``to_field`` or preserved filters takes Django's own path."""
    if cl.formset or cl.is_popup or cl.preserved_filters or cl.to_field:
        yield from results(cl)
        return
    columns = _columns(cl)
    for result in cl.result_list:
        yield ResultList(None, [mark_safe("".join([_cell(cl, c, result) for c in columns]))])
