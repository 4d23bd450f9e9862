"""Checks a response against the model its route declares in the OpenAPI document.

Several gateway routes answer with a pre-serialised JSONResponse (the customer list is the hot
path), which FastAPI does not validate against `response_model`; this check closes that gap in
tests: the gateway's test client runs it on every JSON success response."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator


@dataclass(frozen=True)
class _Operation:
    pattern: re.Pattern[str]
    method: str
    schemas: dict[str, dict[str, Any]]  # status code -> JSON schema of the body


class ResponseModels:
    def __init__(self, openapi: dict[str, Any]) -> None:
        components = openapi.get("components", {})
        self._operations = []
        for path, operations in openapi["paths"].items():
            pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$")
            for method, operation in operations.items():
                schemas = {
                    code: {**body["schema"], "components": components}
                    for code, response in operation.get("responses", {}).items()
                    if (body := response.get("content", {}).get("application/json"))
                    and body.get("schema")
                }
                self._operations.append(_Operation(pattern, method.upper(), schemas))
        # Literal paths before templated ones (/customers/stats before /customers/{id}).
        self._operations.sort(key=lambda op: op.pattern.pattern.count("[^/]+"))

    def problems(self, method: str, path: str, status: int, body: Any) -> list[str]:
        """Why `body` does not match the declared model (empty: it matches or none is
        declared for that status)."""
        for op in self._operations:
            if op.method == method and op.pattern.match(path):
                schema = op.schemas.get(str(status))
                if schema is None:
                    return []
                validator = Draft202012Validator(schema)
                return [
                    f"{method} {path} {status}: {'/'.join(map(str, e.absolute_path))}: {e.message}"
                    for e in validator.iter_errors(body)
                ]
        return []
