"""The OpenAPI schema documents every demand route: each action with its own input and its refusals."""

from __future__ import annotations

from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator

from demandloop.demands.serializers import ACTION_SERIALIZERS


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def test_it_documents_one_operation_per_action_with_its_input_and_refusals(schema: dict[str, Any]) -> None:
    for name, serializer in ACTION_SERIALIZERS.items():
        operation = schema["paths"][f"/api/v1/demands/{{id}}/actions/{name}/"]["post"]
        assert operation["operationId"] == f"demands_actions_{name}"
        body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert body.endswith("/" + serializer.__name__.removesuffix("Serializer")), (name, body)
        assert {"200", "400", "403", "404", "409"} <= set(operation["responses"])


def test_it_documents_intake_list_history_and_files(schema: dict[str, Any]) -> None:
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/demands/"])
    parameters = {p["name"] for p in paths["/api/v1/demands/"]["get"]["parameters"]}
    assert {"status", "tier", "overdue", "department", "q", "page"} <= parameters
    assert "get" in paths["/api/v1/demands/{id}/events/"]
    upload = paths["/api/v1/demands/{id}/attachments/"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload
    assert "get" in paths["/api/v1/demands/{id}/attachments/{attachment_id}/"]
    status = schema["components"]["schemas"]["DemandStatusEnum"]["enum"]
    assert "escalated" in status and "transferred" in status
