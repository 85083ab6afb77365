"""What drf-spectacular cannot guess: the key's security scheme in the OpenAPI document."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "backoffice.api.authentication.ApiKeyAuthentication"
    name = "cleApi"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "clea_<préfixe>_<secret>",
            "description": "Clé d'API de l'organisme, créée dans le back-office (page « Clés d'API »).",
        }
