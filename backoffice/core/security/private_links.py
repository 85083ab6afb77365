"""Private links never reach the logs: the holder's page (`/mon-certificat/<pk>/<token>/`) and the survey's
(`/enquete/<token>/`) carry a secret in their path, which Django's request logger (a 404, a 500) and the
development server would otherwise write in clear. The filter masks it on every record of the console."""

from __future__ import annotations

import logging
import re

PRIVATE_PATH = re.compile(r"(/(?:mon-certificat/\d+|enquete(?:/[a-z-]+)?)/)[A-Za-z0-9_\-]{16,}")
MASK = "…"


def mask(text: str) -> str:
    return PRIVATE_PATH.sub(lambda match: match.group(1) + MASK, text)


class PrivateLinksFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "/" in record.msg:
            record.msg = mask(record.msg)
        if isinstance(record.args, dict):
            record.args = {k: mask(v) if isinstance(v, str) else v for k, v in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(mask(a) if isinstance(a, str) else a for a in record.args)
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            record.request_path = mask(request.path)
        return True
