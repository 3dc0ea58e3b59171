"""统一社会信用代码 at every edge: the model, the form of the pages and admin, the serializer of API and import."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from demandloop.enterprises.forms import EnterpriseForm
from demandloop.enterprises.models import Enterprise
from demandloop.enterprises.serializers import EnterpriseSerializer
from demandloop.enterprises.validators import uscc_error_message, validate_uscc

FIELD = "统一社会信用代码"


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("91110000600037341M", "校验位"),
        ("9111000060003734", "应为18位，当前为16位"),
        ("9137068716530044xP", "大写"),
        ("91110000600O37341L", "I、O、Z、S、V"),
        ("", "不能为空"),
    ],
)
def test_it_explains_in_chinese_naming_the_field(value: str, words: str) -> None:
    message = uscc_error_message(value)
    assert message is not None
    assert FIELD in message
    assert words in message


def test_it_raises_a_validation_error_with_its_own_code() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_uscc("91110000600037341M")
    assert caught.value.code == "invalid_uscc"
    validate_uscc("91110000600037341L")


def test_it_refuses_a_bad_code_on_the_model_field(place: Any) -> None:
    enterprise = Enterprise(district=place.district, uscc="91110000600037341M", name="错误代码有限公司")
    with pytest.raises(ValidationError) as caught:
        enterprise.full_clean()
    assert list(caught.value.message_dict) == ["uscc"]
    assert FIELD in caught.value.message_dict["uscc"][0]


def test_it_stores_a_code_typed_with_spaces_compact_on_the_model(place: Any) -> None:
    enterprise = Enterprise(district=place.district, uscc="91 110000 600037341L", name="空格有限公司")
    enterprise.full_clean()
    assert enterprise.uscc == "91110000600037341L"


def test_it_refuses_lower_case_on_the_model_although_stdnum_would_accept_it(place: Any) -> None:
    enterprise = Enterprise(district=place.district, uscc="91110000600037341l", name="小写有限公司")
    with pytest.raises(ValidationError) as caught:
        enterprise.full_clean()
    assert "大写" in caught.value.message_dict["uscc"][0]


def test_it_attaches_the_form_error_to_the_uscc_field(place: Any) -> None:
    form = EnterpriseForm(data={"uscc": "91110000600037341M", "name": "表单有限公司", "kind": "company"})
    assert not form.is_valid()
    assert list(form.errors) == ["uscc"]
    assert FIELD in form.errors["uscc"][0]


def test_it_accepts_spaces_in_the_form_and_cleans_them_away(place: Any) -> None:
    form = EnterpriseForm(data={"uscc": " 91 110000 600037341L ", "name": "表单有限公司", "kind": "company"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["uscc"] == "91110000600037341L"


def test_it_refuses_a_key_department_for_an_enterprise_that_is_not_key(place: Any) -> None:
    form = EnterpriseForm(
        data={
            "uscc": "91110000600037341L",
            "name": "表单有限公司",
            "kind": "company",
            "key_department": place.market.pk,
        }
    )
    assert not form.is_valid()
    assert list(form.errors) == ["key_department"]


def test_it_attaches_the_serializer_error_to_the_uscc_field(place: Any) -> None:
    serializer = EnterpriseSerializer(
        data={"district": place.district.pk, "uscc": "9137068716530044xP", "name": "接口有限公司"}
    )
    assert not serializer.is_valid()
    assert list(serializer.errors) == ["uscc"]
    assert serializer.errors["uscc"][0].code == "invalid_uscc"
    assert FIELD in str(serializer.errors["uscc"][0])


def test_it_normalizes_the_code_in_the_serializer(place: Any) -> None:
    serializer = EnterpriseSerializer(
        data={"district": place.district.pk, "uscc": "91-110000-600037341L", "name": "接口有限公司"}
    )
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["uscc"] == "91110000600037341L"


def test_it_refuses_a_code_already_in_the_ledger(firms: Any, place: Any) -> None:
    serializer = EnterpriseSerializer(
        data={"district": place.district.pk, "uscc": firms.a.uscc, "name": "重复有限公司"}
    )
    assert not serializer.is_valid()
    assert "已在台账中" in str(serializer.errors["uscc"][0])


def test_it_refuses_an_area_of_another_district(place: Any) -> None:
    serializer = EnterpriseSerializer(
        data={
            "district": place.district.pk,
            "uscc": "91110000600037341L",
            "name": "跨区有限公司",
            "area": place.area_x.pk,
        }
    )
    assert not serializer.is_valid()
    assert list(serializer.errors) == ["area"]


def test_it_refuses_a_street_as_a_park(place: Any) -> None:
    serializer = EnterpriseSerializer(
        data={
            "district": place.district.pk,
            "uscc": "91110000600037341L",
            "name": "园区有限公司",
            "park": place.street.pk,
        }
    )
    assert not serializer.is_valid()
    assert list(serializer.errors) == ["park"]


def test_it_refuses_to_move_an_enterprise_to_another_district(firms: Any, place: Any) -> None:
    serializer = EnterpriseSerializer(instance=firms.a, data={"district": place.other.pk}, partial=True)
    assert not serializer.is_valid()
    assert list(serializer.errors) == ["district"]
