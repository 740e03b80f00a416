"""What /scim/v2 tells identity providers about itself (RFC 7644 §4): exactly what it does.

PATCH and filters (up to `MAX_RESULTS` results a page) are supported; bulk operations,
sorting, ETags and password changes are not. The schemas are RFC 7643's User and
EnterpriseUser, trimmed to the attributes Seatkeeper keeps, and Group, from `scim_schemas.json`:
scim2-server's `scim2_server/resources/default-schemas.json` (python-scim/scim2-server
0.8.3, Apache-2.0), with `emails` made read-only because userName is the email.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from typing import Any

from workflows.scim import ENTERPRISE, LIST_RESPONSE, USER
from workflows.scim_groups import GROUP
from workflows.scim_listing import MAX_RESULTS

CORE = "urn:ietf:params:scim:schemas:core:2.0:"
SERVICE_PROVIDER_CONFIG = CORE + "ServiceProviderConfig"
RESOURCE_TYPE, SCHEMA = CORE + "ResourceType", CORE + "Schema"
DOCUMENTATION = "https://github.com/seatkeeper/seatkeeper#scim-provisioning"


def service_provider_config(base: str) -> dict[str, Any]:
    """The ServiceProviderConfig: the features supported, and bearer tokens for auth."""
    return {
        "schemas": [SERVICE_PROVIDER_CONFIG],
        "documentationUri": DOCUMENTATION,
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": False},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "Bearer token",
                "description": "A token from `seatkeeper token create --scope scim`.",
                "documentationUri": DOCUMENTATION,
                "primary": True,
            }
        ],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": f"{base}/ServiceProviderConfig",
        },
    }


def resource_types(base: str) -> dict[str, dict[str, Any]]:
    """The resource types by id: Users, with the enterprise extension, and Groups."""
    user = {
        "schemas": [RESOURCE_TYPE],
        "id": "User",
        "name": "User",
        "endpoint": "/Users",
        "description": "A person in Seatkeeper's directory",
        "schema": USER,
        "schemaExtensions": [{"schema": ENTERPRISE, "required": False}],
        "meta": {"resourceType": "ResourceType", "location": f"{base}/ResourceTypes/User"},
    }
    group = {
        "schemas": [RESOURCE_TYPE],
        "id": "Group",
        "name": "Group",
        "endpoint": "/Groups",
        "description": "A group of Users; a tier's idp_group asks seats for its members",
        "schema": GROUP,
        "schemaExtensions": [],
        "meta": {"resourceType": "ResourceType", "location": f"{base}/ResourceTypes/Group"},
    }
    return {"User": user, "Group": group}


def schemas(base: str) -> dict[str, dict[str, Any]]:
    """The schemas by id, each with its meta."""
    found = {}
    for schema in copy.deepcopy(_schemas()):
        schema["schemas"] = [SCHEMA]
        schema["meta"] = {"resourceType": "Schema", "location": f"{base}/Schemas/{schema['id']}"}
        found[schema["id"]] = schema
    return found


def listed(resources_: list[dict[str, Any]]) -> dict[str, Any]:
    """A ListResponse of every resource, on one page."""
    return {
        "schemas": [LIST_RESPONSE],
        "totalResults": len(resources_),
        "startIndex": 1,
        "itemsPerPage": len(resources_),
        "Resources": resources_,
    }


@cache
def _schemas() -> list[dict[str, Any]]:
    text = resources.files("bot.web").joinpath("scim_schemas.json").read_text(encoding="utf-8")
    loaded: list[dict[str, Any]] = json.loads(text)
    return loaded
