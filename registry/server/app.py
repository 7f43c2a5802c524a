"""The server's application, assembled in one place.

``GET /health`` answers 200 while the process serves; ``GET /ready`` also reads the store.
Every RegistryError becomes its HTTP status with MLflow's error body (``error_code``,
``message``); anything else is a 500 whose details stay in the server's log. One access log
line per request: method, path, status, milliseconds, user (never a token).
"""

from __future__ import annotations

import logging
import time

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from registry.artifacts import code_model
from registry.client import wire
from registry.errors import RegistryError
from registry.server import files, mlflow_api, mlflow_artifacts, rpc, validations
from registry.server.auth import TokenCheck

access_log = logging.getLogger("registry.server.access")
log = logging.getLogger("registry.server")


def create_app(store) -> FastAPI:
    """The application serving the registry behind ``store``."""
    app = FastAPI(
        title="registry",
        summary="A model registry that speaks MLflow's language.",
        version="1",
    )
    tokens = TokenCheck(store)
    app.include_router(rpc.build_router(store, tokens))
    app.include_router(files.build_router(store, tokens))
    app.include_router(validations.build_router(store, tokens))
    app.include_router(mlflow_api.build_router(store, tokens))
    app.include_router(mlflow_artifacts.build_router(store, tokens))

    @app.get("/health", tags=["service"])
    def health() -> dict[str, str]:
        """200 while the server is up."""
        return {"status": "ok"}

    @app.get("/ready", tags=["service"])
    def ready() -> JSONResponse:
        """200 when the store answers, 503 otherwise."""
        try:
            store.get_roles()
        except Exception as error:
            log.warning("readiness check failed: %s", error)
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ready"})

    @app.exception_handler(RegistryError)
    def registry_error(request: Request, error: RegistryError) -> JSONResponse:
        return JSONResponse(wire.encode_error(error), status_code=error.http_status)

    @app.exception_handler(RequestValidationError)
    def malformed_request(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = "; ".join(str(item.get("msg")) for item in error.errors()[:5])
        body = {
            "error_code": "INVALID_PARAMETER_VALUE",
            "message": f"Malformed request to {request.url.path}: {problems}",
            "error_class": "InvalidArgumentError",
        }
        return JSONResponse(body, status_code=400)

    @app.exception_handler(Exception)
    def unexpected_error(request: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error in %s %s", request.method, request.url.path)
        body = {
            "error_code": "INTERNAL_ERROR",
            "message": "The registry server failed unexpectedly; its log has the details",
        }
        return JSONResponse(body, status_code=500)

    app.add_middleware(RefuseModelCode)
    app.add_middleware(AccessLog)
    return app


class RefuseModelCode:
    """No request runs a models-from-code file on the server (validating one would run an
    editor's code here): such a load raises ArtifactError saying so."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        with code_model.refused(
            "a registry server never runs the code of a model; validate or load it where its "
            "author's code may run (an embedded registry, or registry.pyfunc.load_model)"
        ):
            await self.app(scope, receive, send)


class AccessLog:
    """One line per request: method, path, status, milliseconds, user (a plain ASGI
    middleware: Starlette's ``BaseHTTPMiddleware`` costs a task per request)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status = 500

        async def send_and_note(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            user = scope.get("state", {}).get("user", "-")
            elapsed = (time.perf_counter() - started) * 1000
            access_log.info(
                "%s %s %d %.1fms %s", scope["method"], scope["path"], status, elapsed, user
            )
