"""The client of a registry server: ``RegistryClient("http://host:8080", token=...)``.

Every served method (``wire.api_methods``) is one ``POST /api/v1/<method>`` carrying its
arguments; the server runs it as the token's owner and answers with the result or the
error, raised here as the same class with the same message. The rest (``find_*``,
``log_param``, validation on local data) is composed here from served methods, exactly as
embedded. Reads are retried once on a dropped connection; writes never are.

Model files travel through ``RemoteBlobs``: uploads are streamed from the bytes in hand,
downloads are checked against their sha256 and cached locally by hash.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import inspect
import os
import tempfile
from pathlib import Path
from typing import Any

import httpx

from registry.artifacts.blobs import BlobStore, BlobStream
from registry.client import wire
from registry.client.facade import RegistryClient
from registry.config import server_uri
from registry.errors import (
    AuthenticationError,
    IntegrityError,
    InvalidArgumentError,
    NotFoundError,
    RegistryError,
    ServerUnavailableError,
)

DEFAULT_TIMEOUT = 30.0
_CHUNK = 1 << 20


class Transport:
    """One HTTP connection pool to one server, with the caller's token."""

    def __init__(
        self,
        uri: str,
        token: str | None,
        timeout: float | None = None,
        acting_for: str | None = None,
    ):
        self.uri = uri.rstrip("/")
        headers = {"user-agent": "registry-client"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        if acting_for:
            headers["x-registry-acting-for"] = acting_for
        self._http = httpx.Client(
            base_url=self.uri,
            headers=headers,
            timeout=httpx.Timeout(timeout or DEFAULT_TIMEOUT, connect=5.0),
        )

    def call(self, method: str, args: dict[str, Any]) -> Any:
        body = wire.dumps({"args": args})
        response = self._send(
            "POST",
            f"/api/v1/{method}",
            retry=wire.is_read(method),
            content=body,
            headers={"content-type": "application/json"},
        )
        return wire.decode(response.json())["result"]

    def _send(self, verb: str, path: str, *, retry: bool = False, **options) -> httpx.Response:
        attempts = 2 if retry else 1
        for attempt in range(attempts):
            try:
                response = self._http.request(verb, path, **options)
            except httpx.TransportError as error:
                if attempt + 1 < attempts and isinstance(
                    error, httpx.RemoteProtocolError | httpx.ConnectError
                ):
                    continue
                raise ServerUnavailableError(
                    f"Registry server {self.uri} could not be reached ({type(error).__name__}: "
                    f"{error}); check the address and that 'registry server' is running"
                ) from None
            break
        if response.status_code >= 400 and verb != "HEAD":
            raise _error_of(response, self.uri)
        return response

    def post_bytes(self, path: str, data: bytes, params: dict[str, str]) -> Any:
        response = self._send("POST", path, content=data, params=params)
        return response.json()

    def has_blob(self, sha: str) -> bool:
        response = self._send("HEAD", f"/api/v1/blobs/{sha}", retry=True)
        if response.status_code == 401:
            raise _error_of(response, self.uri)
        return response.status_code == 200

    def upload_blob(self, sha: str, data: bytes) -> None:
        chunks = (data[i : i + _CHUNK] for i in range(0, len(data), _CHUNK))
        self._send("PUT", f"/api/v1/blobs/{sha}", content=chunks)

    def download_blob(self, sha: str, into: Path) -> None:
        """Stream the blob into the file ``into``, checking its hash."""
        digest = hashlib.sha256()
        try:
            with self._http.stream("GET", f"/api/v1/blobs/{sha}") as response:
                if response.status_code >= 400:
                    response.read()
                    raise _error_of(response, self.uri)
                with open(into, "wb") as out:
                    for chunk in response.iter_bytes(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
        except httpx.TransportError as error:
            raise ServerUnavailableError(
                f"Download of model file {sha} from {self.uri} failed: {error}. If it fails "
                "again, the server's copy may be damaged (its log says)"
            ) from None
        if digest.hexdigest() != sha:
            raise IntegrityError(
                f"Model file {sha} from {self.uri} arrived as {digest.hexdigest()}: refused"
            )

    def close(self) -> None:
        self._http.close()

    def __del__(self) -> None:
        # A client dropped without close() should not leave sockets for the GC to warn about
        # (no contextlib here: at interpreter exit module globals may be gone already).
        try:  # noqa: SIM105
            self._http.close()
        except Exception:
            pass


def _error_of(response: httpx.Response, uri: str) -> RegistryError:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and "message" in body:
        return wire.decode_error(body, response.status_code)
    if response.status_code == 401:
        return AuthenticationError(f"Registry server {uri} refused the request: set a token")
    if response.status_code == 404:
        return NotFoundError(
            f"{uri}{response.request.url.path} is not a registry server API: {uri} answers, "
            "but not as a registry server (MLflow's own tracking server, for one, is not). "
            "Point REGISTRY_URI (or MLflow's MLFLOW_TRACKING_URI) at a registry server"
        )
    return ServerUnavailableError(
        f"Registry server {uri} answered {response.status_code}: {response.text[:200]}"
    )


class RemoteBlobs(BlobStore):
    """The server's model files, seen through a local cache keyed by sha256."""

    def __init__(self, transport: Transport, cache: Path):
        super().__init__(cache)
        self._transport = transport

    def exists(self, sha: str) -> bool:
        self.path(sha)  # checks the form of sha
        return self._transport.has_blob(sha)

    def put(self, data: bytes) -> str:
        sha = super().put(data)
        if not self._transport.has_blob(sha):
            self._transport.upload_blob(sha, data)
        return sha

    def get(self, sha: str) -> bytes:
        self._fetch(sha)
        return super().get(sha)

    def open(self, sha: str) -> BlobStream:
        self._fetch(sha)
        return super().open(sha)

    def _fetch(self, sha: str) -> None:
        """Download blob ``sha`` into the cache unless it is there."""
        path = self.path(sha)
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".download-")
            os.close(fd)
            try:
                self._transport.download_blob(sha, Path(tmp))
                os.chmod(tmp, 0o444)
                os.replace(tmp, path)
            finally:
                Path(tmp).unlink(missing_ok=True)


class RemoteSession:
    """What the client asks of its store when the store is a server: files, no lease."""

    def __init__(self, transport: Transport, cache: Path):
        self.key = transport.uri
        self.blobs = RemoteBlobs(transport, cache)

    def hold(self):
        return contextlib.nullcontext()

    def release(self) -> None:
        """Nothing to let go of: the server holds the registry."""


class RemoteRegistryClient(RegistryClient):
    """RegistryClient for a registry server; made by ``RegistryClient("http://...")``."""

    def __init__(
        self,
        home: str | os.PathLike[str] | None = None,
        *,
        token: str | None = None,
        timeout: float | None = None,
        tracking_uri: str | None = None,
        registry_uri: str | None = None,
        acting_for: str | None = None,
        **_embedded_only: Any,
    ):
        # ``user`` and ``busy_timeout`` mean nothing here: the server takes the actor from
        # the token (``acting_for`` names the person only with a dashboard's delegate token)
        # and holds the registry itself.
        uri = server_uri(home, registry_uri, tracking_uri)
        if uri is None:
            raise InvalidArgumentError("A remote client needs an http(s):// registry URI")
        self.home = None
        self.uri = uri.rstrip("/")
        self._user = None
        token = token or os.environ.get("REGISTRY_TOKEN") or os.environ.get("MLFLOW_TRACKING_TOKEN")
        self._transport = Transport(self.uri, token, timeout, acting_for)
        self._store = RemoteSession(self._transport, _cache_folder(self.uri))

    def __repr__(self) -> str:
        return f"RegistryClient({self.uri!r})"

    def __reduce__(self):
        # Spark and multiprocessing pickle clients: rebuild from the address (and the
        # environment's token) rather than copying a connection pool.
        return (RemoteRegistryClient, (self.uri,))

    def _actor(self) -> str:
        return self._acting_user

    @functools.cached_property
    def _acting_user(self) -> str:
        return self._transport.call("get_acting_user", {})

    def close(self) -> None:
        self._transport.close()

    def validate_model_version(
        self,
        name: str,
        version: int | str,
        data: Any,
        target: str,
        data_name: str | None = None,
        on_progress: Any = None,
        *,
        data_sha256: str | None = None,
        chunk_rows: int | None = None,
        threads: int | None = None,
        trusted: list[str] | None = None,
        record: bool = True,
    ) -> Any:
        """Validate on the server (see RegistryClient.validate_model_version): a test file
        is sent as it is, a DataFrame as Parquet, and the server hashes what it validates
        (``data_sha256`` is checked there); ``threads`` and ``trusted`` (the server has its
        own list) do not apply."""
        import pandas as pd

        params = {"name": name, "version": str(version), "target": target}
        if isinstance(data, pd.DataFrame):
            body, params["frame"] = data.to_parquet(), "true"
        else:
            body, data_name = _test_file(data, data_name)
        for key, value in (("data_name", data_name), ("data_sha256", data_sha256)):
            if value is not None:
                params[key] = value
        if chunk_rows is not None:
            params["chunk_rows"] = str(chunk_rows)
        if not record:
            params["record"] = "false"
        response = self._transport.post_bytes("/api/v1/validations", body, params)
        result = wire.validation_result_from_wire(wire.decode(response)["result"])
        if on_progress is not None:
            on_progress(result.record.num_rows, result.record.num_rows)
        return result


def _test_file(data: Any, data_name: str | None) -> tuple[bytes, str | None]:
    """The bytes and name of a test file given as bytes or a path."""
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data), data_name
    if isinstance(data, str | os.PathLike):
        if not Path(data).is_file():
            raise InvalidArgumentError(f"No test file at {str(data)!r}")
        return Path(data).read_bytes(), data_name or Path(data).name
    raise InvalidArgumentError(
        "Pass the test data as a pandas DataFrame, or a CSV or Parquet file's bytes or path, "
        f"not {type(data).__name__}"
    )


def _forwarder(name: str, method: Any):
    signature = inspect.signature(method)

    @functools.wraps(method)
    def forward(self: RemoteRegistryClient, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(self, *args, **kwargs)
        arguments = dict(bound.arguments)
        arguments.pop("self")
        for parameter in signature.parameters.values():
            if parameter.kind is inspect.Parameter.VAR_KEYWORD:
                arguments.pop(parameter.name, None)  # MLflow-only extras stay here
        return self._transport.call(name, arguments)

    return forward


def _cache_folder(uri: str) -> Path:
    base = os.environ.get("REGISTRY_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "registry"
    )
    label = hashlib.sha256(uri.encode()).hexdigest()[:16]
    return Path(base) / label


for _name, _method in wire.api_methods().items():
    setattr(RemoteRegistryClient, _name, _forwarder(_name, _method))
