"""The case answer's fields are built once per class and copied per answer
(``portal.api.fields.FieldsBuiltOnce``): each answer has its own bound fields, and writes what
DRF's own per-answer fields write."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from rest_framework import serializers
from rest_framework.request import Request

from cases.api.serializers import CaseSerializer
from portal.api.fields import FieldsBuiltOnce

from .factories import CaseFactory

pytestmark = pytest.mark.django_db


class PerAnswerCaseSerializer(CaseSerializer):
    """DRF's own path: the fields built from the model for every instance."""

    def get_fields(self) -> dict:
        return serializers.ModelSerializer.get_fields(self)


def _context(user) -> dict:
    request = RequestFactory().get("/api/v1/cases/")
    request.user = user
    return {"request": Request(request)}


@pytest.mark.parametrize("who", ["alice", "staff"])
def test_the_answer_is_drf_s_own_for_partner_and_staff(who, request, customer_a) -> None:
    user = request.getfixturevalue(who)
    case = CaseFactory(customer=customer_a, title="Trunk <down>")
    for _ in range(2):  # the second answer uses the fields built by the first
        assert CaseSerializer(case, context=_context(user)).data == (
            PerAnswerCaseSerializer(case, context=_context(user)).data
        )


def test_each_answer_binds_its_own_fields(alice, customer_a) -> None:
    first, second = CaseSerializer(context=_context(alice)), CaseSerializer()
    assert first.fields.keys() == second.fields.keys()
    for name in first.fields:
        mine, theirs = first.fields[name], second.fields[name]
        assert mine is not theirs
        assert mine.parent is first and theirs.parent is second
        assert mine.field_name == theirs.field_name == name
    # The class's own fields stay unbound: no answer's serializer is reachable from them.
    for field in CaseSerializer._fields_built_once.values():
        assert getattr(field, "parent", None) is None and field.field_name is None


class _Nested(FieldsBuiltOnce, serializers.Serializer):
    tags = serializers.ListField(child=serializers.CharField())
    name = serializers.CharField()


def test_a_field_holding_fields_is_copied_with_them() -> None:
    first, second = _Nested(), _Nested()
    assert first.fields["tags"].child is not second.fields["tags"].child
    assert first.fields["tags"].child.parent is first.fields["tags"]
    assert second.fields["tags"].child.parent is second.fields["tags"]
    assert _Nested(data={"tags": ["a"], "name": "n"}).is_valid()
