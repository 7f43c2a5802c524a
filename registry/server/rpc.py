"""The JSON API: ``POST /api/v1/<method>`` for every public client method.

The body is ``{"args": {<argument name>: <value>}}`` in the form of ``registry.client.wire``;
the answer is ``{"result": ...}``. Each call runs the client's method as the token's owner,
so arguments, roles and the Production gate are checked here exactly as in a notebook:
this layer holds no registry rules of its own.
"""

from __future__ import annotations

import inspect
import json
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from registry.client import RegistryClient, wire
from registry.errors import InvalidArgumentError

PREFIX = "/api/v1"


def build_router(store, tokens) -> APIRouter:
    router = APIRouter(prefix=PREFIX, tags=["registry"])
    for name, method in sorted(wire.api_methods().items()):
        router.add_api_route(
            f"/{name}",
            _endpoint(name, inspect.signature(method), store, tokens),
            methods=["POST"],
            name=name,
            summary=name.replace("_", " "),
            description=inspect.getdoc(method) or "",
            response_class=Response,
            openapi_extra=_BODY,
        )
    return router


_BODY = {
    "requestBody": {
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {"args": {"type": "object", "description": "keyword arguments"}},
                }
            }
        }
    }
}


def _endpoint(name: str, signature: inspect.Signature, store, tokens):
    def run(request: Request, body: bytes) -> bytes:
        user = tokens.user_of(request)
        kwargs = _arguments(name, signature, body)
        client = RegistryClient(store=store, user=user)
        result = getattr(client, name)(**kwargs)
        if name == "revoke_token":
            tokens.forget()  # refused from the next request on, not after the cache's seconds
        return wire.dumps({"result": result})

    async def call(request: Request) -> Response:
        # The body is parsed by wire.decode, not FastAPI; one hop to a worker thread runs
        # the registry call.
        content = await run_in_threadpool(run, request, await request.body())
        return Response(content, media_type="application/json")

    call.__name__ = name
    return call


def _arguments(name: str, signature: inspect.Signature, body: bytes) -> dict[str, Any]:
    """The decoded keyword arguments, checked against the method's parameters."""
    try:
        payload = json.loads(body) if body else {}
    except ValueError:
        raise InvalidArgumentError(f"{name}: the body is not JSON") from None
    args = payload.get("args", {}) if isinstance(payload, dict) else None
    if not isinstance(args, dict):
        raise InvalidArgumentError(f"{name}: the body must be {{'args': {{...}}}}")
    kwargs = wire.decode(args)
    try:
        signature.bind(None, **kwargs)
    except TypeError as error:
        raise InvalidArgumentError(f"{name}: {error}") from None
    return kwargs
