"""Validation on the server: ``POST /api/v1/validations`` with the test data as the body.

A test file travels as it is; a DataFrame as Parquet (the client converts it; dtypes
survive). Both are read with the same limits as a dashboard upload. The server loads the
model, predicts, scores and records, so a record's ``data_sha256`` is the hash of what the
server itself validated on (a file's bytes, or a DataFrame's content), never a hash a
caller claims.
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
        frame: bool = False,
        data_sha256: str | None = None,
        record: bool = True,
    ) -> Response:
        """Validate a version on the test file in the body (``frame``: a DataFrame the
        client sent as Parquet) and record the outcome (``record=false``: a trial that
        records nothing)."""
        user = tokens.user_of(request)
        body = await request.body()
        result = await run_in_threadpool(
            _validate, RegistryClient(store=store, user=user), body, name, version, target,
            data_name, chunk_rows, frame, data_sha256, record,
        )  # fmt: skip
        return Response(wire.dumps({"result": result}), media_type="application/json")

    return router


def _validate(
    client: RegistryClient, body, name, version, target, data_name, chunk_rows, frame, sha256,
    record,
):  # fmt: skip
    from registry.validation.uploads import read_upload

    # A DataFrame is hashed by its content, as in a notebook; a file by its bytes.
    data = read_upload(body, data_name or "data.parquet", target=target).frame if frame else body
    result = client.validate_model_version(
        name, version, data, target, data_name, data_sha256=sha256, chunk_rows=chunk_rows,
        record=record,
    )  # fmt: skip
    return wire.validation_result_to_wire(result)
