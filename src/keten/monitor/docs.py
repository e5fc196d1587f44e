"""An API docs page rendered from the OpenAPI schema by the app itself: no CDN, works offline."""

from __future__ import annotations

from functools import lru_cache

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from drf_spectacular.generators import SchemaGenerator


@lru_cache(maxsize=1)
def _schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def endpoints(schema: dict) -> list[dict]:
    """One entry per path and method: summary, description and parameters."""
    out = []
    for path, operations in sorted(schema.get("paths", {}).items()):
        for method, op in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            out.append(
                {
                    "path": path,
                    "method": method.upper(),
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "parameters": [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "required": p.get("required", False),
                            "description": p.get("description", ""),
                            "enum": p.get("schema", {}).get("enum"),
                        }
                        for p in op.get("parameters", [])
                    ],
                }
            )
    return out


@login_required
def api_docs(request):
    schema = _schema()
    return render(
        request, "monitor/api_docs.html", {"info": schema.get("info", {}), "endpoints": endpoints(schema)}
    )
