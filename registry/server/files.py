"""Model files over HTTP: ``/api/v1/blobs/<sha256>``, streamed and hash-checked.

An upload is handed to the blob store as it arrives (``receive``), which hashes it on the way
and keeps it only when the hash matches the address it was sent to, so a version can never
point at bytes other than the ones its manifest names. A download of up to
``CHECKED_FIRST_BYTES`` is read and checked before its first byte leaves, so damage is
answered with the IntegrityError; a larger one is streamed and hashed as it goes, and bytes
that no longer match end the response short, before its last chunk, so no client takes them
for the file (the client checks again).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from registry.client import RegistryClient
from registry.client.roles import require
from registry.errors import InvalidArgumentError
from registry.server.rpc import PREFIX

MAX_UPLOAD_BYTES = int(os.environ.get("REGISTRY_MAX_MODEL_MB", "4096")) * 1024 * 1024
CHECKED_FIRST_BYTES = 16 << 20
OCTETS = "application/octet-stream"


def build_router(store, tokens) -> APIRouter:
    router = APIRouter(prefix=f"{PREFIX}/blobs", tags=["model files"])

    @router.head("/{sha}")
    def has_blob(sha: str, request: Request) -> Response:
        """200 when the server holds the model file, 404 otherwise."""
        tokens.user_of(request)
        return Response(status_code=200 if store.blobs.exists(sha) else 404)

    @router.get("/{sha}")
    def download_blob(sha: str, request: Request) -> Response:
        """The model file's bytes, checked against ``sha`` (see the module docstring)."""
        tokens.user_of(request)
        return stream_blob(store.blobs, sha)

    @router.put("/{sha}")
    async def upload_blob(sha: str, request: Request) -> Response:
        """Store the request body as the model file ``sha``; refused unless it hashes to it."""
        user = tokens.user_of(request)
        client = RegistryClient(store=store, user=user)
        require(user, client.get_role(user), "editor", "uploading a model file")
        if store.blobs.exists(sha):  # also checks the form of sha
            return Response(status_code=200)
        await store.blobs.receive(sha, _limited(request.stream()))
        return Response(status_code=201)

    return router


def stream_blob(blobs, sha: str) -> Response:
    """A response with blob ``sha``'s bytes; raises NotFoundError if it is missing, and
    IntegrityError if it is small enough to be checked first and does not match."""
    stream = blobs.open(sha)
    if stream.size <= CHECKED_FIRST_BYTES:
        return Response(stream.read(), media_type=OCTETS)
    headers = {"content-length": str(stream.size)}
    return StreamingResponse(stream, media_type=OCTETS, headers=headers)


async def _limited(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > MAX_UPLOAD_BYTES:
            raise InvalidArgumentError(
                f"Model file is over {MAX_UPLOAD_BYTES >> 20} MB "
                "(the server's REGISTRY_MAX_MODEL_MB)"
            )
        yield chunk
