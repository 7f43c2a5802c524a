"""Validation on the server: ``POST /api/v1/validations`` with the test data as the body.

The data travels as Parquet (the client converts its DataFrame; dtypes survive) and is
read with the same limits as a dashboard upload. The server loads the model, predicts,
scores and records, so a record's ``data_sha256`` is the hash of the bytes the server
itself validated on, never a hash a caller claims.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from registry.client import RegistryClient, wire
from registry.server.rpc import PREFIX


def build_router(store, tokens) -> APIRouter:
    router = APIRouter(prefix=PREFIX, tags=["validation"])

    @router.post("/validations")
    async def validate(
        request: Request,
        name: str,
        version: str,
        target: str,
        data_name: str | None = None,
        chunk_rows: int | None = None,
    ) -> Response:
        """Validate a version on the Parquet table in the body and record the outcome."""
        user = tokens.user_of(request)
        body = await request.body()
        result = await run_in_threadpool(
            _validate, RegistryClient(store=store, user=user), body, name, version, target,
            data_name, chunk_rows,
        )  # fmt: skip
        return Response(wire.dumps({"result": result}), media_type="application/json")

    return router


def _validate(client: RegistryClient, body: bytes, name, version, target, data_name, chunk_rows):
    from registry.validation.uploads import read_upload

    upload = read_upload(body, data_name or "data.parquet", target=target)
    result = client.validate_model_version(
        name, version, upload.frame, target, data_name,
        data_sha256=upload.sha256, chunk_rows=chunk_rows,
    )  # fmt: skip
    return wire.validation_result_to_wire(result)
