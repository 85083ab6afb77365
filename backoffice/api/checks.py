"""`check --deploy`: the API's rate limits count in the cache; without a shared one (`CACHE_URL`) each web
process counts on its own, and a key gets as many calls a minute as there are processes."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def shared_rate_limits(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    backend = settings.CACHES["default"]["BACKEND"]
    if "locmem" not in backend.lower():
        return []
    return [
        Warning(
            "Le cache est propre à chaque processus : les limites de l'API (appels par clé, clés refusées) "
            "sont comptées par processus web.",
            hint="Renseignez CACHE_URL (Redis, par exemple redis://127.0.0.1:6379/1).",
            id="api.W001",
        )
    ]
