"""scikit-learn model files: skops bytes in the blob store, described by a JSON manifest.

A model is saved with ``skops.io.dumps`` (never pickle) and stored by its sha256; the manifest
records the flavor, hash, size, class, input signature and library versions. Loading checks the
hash, refuses types outside ``TRUSTED_TYPES`` plus the caller's ``trusted`` list, and checks the
node arrays of trusted tree types and the libsvm arrays of support vector machines before the
model is handed out (registry.artifacts.node_checks).

Format policy. ``FORMAT_VERSION`` covers the manifest and how the model bytes are encoded.
- Adding an optional manifest field is not a format change: readers ignore fields they do not
  know, and a missing optional field reads as its default.
- Anything an older reader would misread (a field removed, renamed or given a new meaning, a
  different encoding of the bytes) increments ``FORMAT_VERSION``.
- Readers refuse versions newer than their own and keep reading every older one; each version
  keeps a test with a stored manifest of that version.
- skops versions its own file layout inside the bytes; that is not this format's concern.
"""

from __future__ import annotations

import copy
import functools
import json
import platform
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from importlib import metadata
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import pandas_dtype

from registry.artifacts.blobs import BlobStore
from registry.artifacts.node_checks import check_node_arrays
from registry.errors import ArtifactError, InvalidArgumentError, UntrustedTypeError

FORMAT_VERSION = 1
FLAVOR = "sklearn"
ENVIRONMENT_PACKAGES = ("scikit-learn", "numpy", "pandas", "scipy", "skops")

# Types skops does not trust by default that everyday estimators contain. Derived by fitting
# each estimator of tests/test_model_files.py (plus KNN with kd_tree/ball_tree and the common
# metrics, and CalibratedClassifierCV, which replaces SVC(probability=True) in scikit-learn 1.9)
# and collecting skops.io.get_untrusted_types(data=skops.io.dumps(model)); then each was read:
# all are scikit-learn/numpy classes holding arrays and numbers, none runs code taken from the
# file. skops distrusts Tree, TreePredictor and the neighbor trees because their index arrays are
# used without bounds checks; check_node_arrays checks those arrays after loading.
# HistGradientBoosting with native categorical features stores functools.partial around
# check_array: trusting partial is safe because skops lists the function it wraps too, and
# that function must be trusted on its own.
TRUSTED_TYPES: frozenset[str] = frozenset(
    [
        "functools.partial",
        "numpy.dtype",
        "sklearn.calibration._CalibratedClassifier",
        "sklearn.calibration._SigmoidCalibration",
        "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
        "sklearn.metrics._dist_metrics.ChebyshevDistance64",
        "sklearn.metrics._dist_metrics.EuclideanDistance64",
        "sklearn.metrics._dist_metrics.ManhattanDistance64",
        "sklearn.metrics._dist_metrics.MinkowskiDistance64",
        "sklearn.neighbors._ball_tree.BallTree",
        "sklearn.neighbors._kd_tree.KDTree",
        "sklearn.tree._tree.Tree",
        "sklearn.utils.validation.check_array",
    ]
)

_CACHE_SIZE = 16
# (blob path, blob fingerprint) -> (model, types beyond TRUSTED_TYPES that it needed)
_loaded: OrderedDict[tuple, tuple[Any, frozenset[str]]] = OrderedDict()
_loaded_lock = threading.Lock()


@dataclass(frozen=True)
class ColumnSpec:
    """One input column: its name and its pandas dtype string (e.g. "float64", "category")."""

    name: str
    dtype: str

    def __post_init__(self):
        if not isinstance(self.name, str) or not isinstance(self.dtype, str):
            raise InvalidArgumentError(f"column spec {self.name!r}: name and dtype must be str")
        try:
            pandas_dtype(self.dtype)
        except (TypeError, ValueError):
            raise InvalidArgumentError(
                f"column {self.name!r}: {self.dtype!r} is not a pandas dtype"
            ) from None


@dataclass(frozen=True)
class Signature:
    """The columns a model expects, in order."""

    inputs: tuple[ColumnSpec, ...]

    def __post_init__(self):
        names = [c.name for c in self.inputs]
        if len(set(names)) != len(names):
            raise InvalidArgumentError(f"signature has duplicate column names: {names}")

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.inputs]

    def to_dict(self) -> dict:
        return {"inputs": [{"name": c.name, "dtype": c.dtype} for c in self.inputs]}

    @classmethod
    def from_dict(cls, data: dict) -> Signature:
        """Raises InvalidArgumentError if ``data`` is not a dict written by ``to_dict``."""
        try:
            return cls(tuple(ColumnSpec(c["name"], c["dtype"]) for c in data["inputs"]))
        except (KeyError, TypeError) as e:
            raise InvalidArgumentError(f"malformed signature {data!r}: {e}") from None


def infer_signature(example: Any) -> Signature:
    """The signature of an input example.

    A DataFrame gives its column names (as str) and dtypes; a list of dicts is read as a
    DataFrame; a numpy array gives columns named "0", "1", ... (the names pandas gives
    ``DataFrame(array)``), all of the array's dtype. A 1-D array is one row.
    """
    if isinstance(example, list) and example and all(isinstance(r, dict) for r in example):
        example = pd.DataFrame(example)
    if isinstance(example, pd.DataFrame):
        specs = [
            ColumnSpec(str(n), str(t)) for n, t in zip(example.columns, example.dtypes, strict=True)
        ]
    elif isinstance(example, np.ndarray) and example.ndim in (1, 2):
        width = example.shape[-1]
        specs = [ColumnSpec(str(i), str(example.dtype)) for i in range(width)]
    else:
        raise InvalidArgumentError(
            f"cannot infer a signature from a {type(example).__name__}: "
            "pass a pandas DataFrame, a 1-D or 2-D numpy array or a list of dicts"
        )
    return Signature(tuple(specs))


def current_environment() -> dict:
    """The Python version and installed versions (None if absent) of the model libraries."""
    return {"python": platform.python_version(), **_package_versions()}


@functools.cache  # metadata lookups cost ~15 ms; restart the process after upgrading
def _package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in ENVIRONMENT_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


@dataclass(frozen=True)
class Manifest:
    """What is known about a stored model file; serialised next to its registry entry."""

    sha256: str
    size: int
    model_class: str
    signature: Signature | None = None
    environment: dict = field(default_factory=dict)
    flavor: str = FLAVOR
    format_version: int = FORMAT_VERSION
    model_config: dict = field(default_factory=dict)  # models from code: given to the model

    def to_json(self) -> str:
        data = asdict(self)
        if not data["model_config"]:  # manifests without one read as they always did
            del data["model_config"]
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        """Read a manifest; raises ArtifactError if it is damaged or of a newer format."""
        try:
            data = json.loads(text)
            version = data["format_version"]
            if isinstance(version, int) and version <= FORMAT_VERSION:
                sig = data.get("signature")
                return cls(
                    **{key: data[key] for key in ("sha256", "size", "model_class", "flavor")},
                    signature=Signature.from_dict(sig) if sig is not None else None,
                    environment=data.get("environment") or {},
                    format_version=version,
                    model_config=data.get("model_config") or {},
                )
        except (ValueError, TypeError, KeyError) as e:
            raise ArtifactError(f"model manifest is damaged: {e!r}") from None
        raise ArtifactError(
            f"model manifest {data.get('sha256')} has format version {version!r}, newer than "
            f"this registry reads (up to {FORMAT_VERSION}); upgrade the registry to load it"
        )


def save_sklearn_model(
    blobs: BlobStore, model: Any, input_example: Any = None, signature: Signature | None = None
) -> Manifest:
    """Store ``model`` with skops and return its manifest.

    The signature is ``signature`` if given, else inferred from ``input_example``, else None.
    Raises InvalidArgumentError if skops cannot serialise the model.
    """
    import skops.io

    if signature is None and input_example is not None:
        signature = infer_signature(input_example)
    try:
        data = skops.io.dumps(model)
    except TypeError as e:
        raise InvalidArgumentError(f"cannot save {type(model).__name__} with skops: {e}") from e
    return Manifest(
        sha256=blobs.put(data),
        size=len(data),
        model_class=_type_name(type(model)),
        signature=signature,
        environment=current_environment(),
    )


def load_sklearn_model(
    blobs: BlobStore, manifest: Manifest, trusted: Iterable[str | type] | None = None
) -> Any:
    """Load the model a manifest describes; every call returns a fresh copy.

    The first load in a process checks the hash, the types and the arrays that native code
    reads unchecked (tree nodes, libsvm support vectors; see node_checks), and keeps the model
    in memory; later loads of the unchanged file copy it instead (a changed file is checked
    again). Raises NotFoundError, IntegrityError, UntrustedTypeError (listing the types
    outside ``TRUSTED_TYPES`` and ``trusted``) or ArtifactError.
    """
    if manifest.flavor != FLAVOR:
        raise ArtifactError(f"model file {manifest.sha256} is a {manifest.flavor!r} model")
    extra = _trusted_names(trusted)
    sha = manifest.sha256
    cached = _cache_get(blobs, sha)
    if cached is not None:
        model, needed = cached
        _refuse(sha, sorted(needed - extra))
        return copy.deepcopy(model)
    data = blobs.get(sha)
    model, needed = _decode(sha, data, extra)
    check_node_arrays(sha, model)
    _cache_put(blobs, sha, model, needed)
    return copy.deepcopy(model)


def _type_name(t: type) -> str:
    return f"{t.__module__}.{t.__qualname__}"


def _trusted_names(trusted: Iterable[str | type] | None) -> frozenset[str]:
    if trusted is None:
        return frozenset()
    if isinstance(trusted, str):
        raise InvalidArgumentError(f"trusted must be a list of type names, not the str {trusted!r}")
    return frozenset(t if isinstance(t, str) else _type_name(t) for t in trusted)


def _refuse(sha: str, types: list[str]) -> None:
    if types:
        raise UntrustedTypeError(
            f"model file {sha} contains types that are not trusted: {', '.join(types)}; "
            f"pass trusted=[...] to load it if you trust its author",
            types=types,
        )


def _decode(sha: str, data: bytes, extra: frozenset[str]) -> tuple[Any, frozenset[str]]:
    """skops-load ``data``; also returns the types beyond TRUSTED_TYPES that it needed."""
    import skops.io
    from skops.io.exceptions import UntrustedTypesFoundException

    try:
        model = skops.io.loads(data, trusted=sorted(TRUSTED_TYPES | extra))
    except UntrustedTypesFoundException as e:
        untrusted = set(skops.io.get_untrusted_types(data=data))
        _refuse(sha, sorted(untrusted - TRUSTED_TYPES - extra))
        raise ArtifactError(f"model file {sha} was refused by skops: {e}") from e
    except Exception as e:
        raise ArtifactError(f"model file {sha} cannot be read by skops: {e}") from e
    # Remember which caller-trusted types it used, so a later load without them is refused.
    needed = frozenset(skops.io.get_untrusted_types(data=data)) - TRUSTED_TYPES if extra else None
    return model, needed or frozenset()


def _cache_get(blobs: BlobStore, sha: str) -> tuple[Any, frozenset[str]] | None:
    fingerprint = blobs.fingerprint(sha)
    if fingerprint is None:
        return None
    key = (blobs.location(sha), fingerprint)
    with _loaded_lock:
        hit = _loaded.get(key)
        if hit is not None:
            _loaded.move_to_end(key)
        return hit


def _cache_put(blobs: BlobStore, sha: str, model: Any, needed: frozenset[str]) -> None:
    fingerprint = blobs.fingerprint(sha)
    if fingerprint is None:  # changed since it was verified: do not cache
        return
    with _loaded_lock:
        _loaded[(blobs.location(sha), fingerprint)] = (model, needed)
        while len(_loaded) > _CACHE_SIZE:
            _loaded.popitem(last=False)


def clear_model_cache() -> None:
    """Forget every model loaded by this process."""
    with _loaded_lock:
        _loaded.clear()
