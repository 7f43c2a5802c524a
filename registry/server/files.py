"""Model files over HTTP: ``/api/v1/blobs/<sha256>``, streamed and hash-checked.

An upload is written to a temporary file beside the blobs while its sha256 is computed, and
becomes a blob only when the hash matches the address it was sent to, so a version can
never point at bytes other than the ones its manifest names. Downloads are checked against
their hash before the first byte leaves (the client checks again).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse

from registry.client import RegistryClient
from registry.client.roles import require
from registry.errors import IntegrityError, InvalidArgumentError
from registry.server.rpc import PREFIX

MAX_UPLOAD_BYTES = int(os.environ.get("REGISTRY_MAX_MODEL_MB", "4096")) * 1024 * 1024


def build_router(store, tokens) -> APIRouter:
    router = APIRouter(prefix=f"{PREFIX}/blobs", tags=["model files"])

    @router.head("/{sha}")
    def has_blob(sha: str, request: Request) -> Response:
        """200 when the server holds the model file, 404 otherwise."""
        tokens.user_of(request)
        return Response(status_code=200 if store.blobs.exists(sha) else 404)

    @router.get("/{sha}")
    def download_blob(sha: str, request: Request) -> FileResponse:
        """The model file's bytes (checked against ``sha`` first)."""
        tokens.user_of(request)
        store.blobs.get(sha)  # raises NotFoundError or IntegrityError
        return FileResponse(store.blobs.path(sha), media_type="application/octet-stream")

    @router.put("/{sha}")
    async def upload_blob(sha: str, request: Request) -> Response:
        """Store the request body as the model file ``sha``; refused unless it hashes to it."""
        user = tokens.user_of(request)
        client = RegistryClient(store=store, user=user)
        require(user, client.get_role(user), "editor", "uploading a model file")
        target = store.blobs.path(sha)  # checks the form of sha
        if store.blobs.exists(sha):
            return Response(status_code=200)
        target.parent.mkdir(parents=True, exist_ok=True)
        await _receive(request, target, sha)
        return Response(status_code=201)

    return router


async def _receive(request: Request, target: Path, sha: str) -> None:
    digest, size = hashlib.sha256(), 0
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_UPLOAD_BYTES:
                    raise InvalidArgumentError(
                        f"Model file is over {MAX_UPLOAD_BYTES >> 20} MB "
                        "(the server's REGISTRY_MAX_MODEL_MB)"
                    )
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != sha:
            raise IntegrityError(
                f"Upload of model file {sha} hashed to {digest.hexdigest()}: the bytes were "
                "damaged on the way; send it again"
            )
        os.chmod(tmp, 0o444)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
