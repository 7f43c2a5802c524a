"""Checks on everything a user can type: names, versions, stages, aliases, tags, comments.

Each check either returns the canonical value or raises InvalidArgumentError with a message
that says what was wrong and how to fix it. They run before the store is touched.

Limits: names 256 characters; tag keys 250; tag values 5,000; descriptions 20,000;
comments 5,000; aliases 255 (letters, digits, ``_`` and ``-``).
"""

from __future__ import annotations

import re

from registry.entities import RESERVED_TAG_PREFIX, STAGES
from registry.errors import InvalidArgumentError

MAX_NAME = 256
MAX_TAG_KEY = 250
MAX_TAG_VALUE = 5000
MAX_DESCRIPTION = 20000
MAX_COMMENT = 5000
MAX_ALIAS = 255

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ALIAS = re.compile(r"[A-Za-z0-9_-]+")
_RESERVED_ALIAS = re.compile(r"(latest|v\d+)", re.IGNORECASE)
_STAGE_BY_LOWER = {stage.lower(): stage for stage in STAGES}


def _text(value: object, what: str, limit: int) -> str:
    if not isinstance(value, str):
        raise InvalidArgumentError(f"{what} must be a string, got {type(value).__name__}")
    if len(value) > limit:
        raise InvalidArgumentError(f"{what} is {len(value)} characters long; the limit is {limit}")
    return value


def _missing(parameter: str, ours: str) -> InvalidArgumentError:
    # MLflow's wording first (code matches it), then the project's sentence.
    return InvalidArgumentError(f"Missing value for required parameter '{parameter}'. ({ours})")


def _too_long(parameter: str, ours: str) -> InvalidArgumentError:
    limit = {"key": MAX_TAG_KEY, "value": MAX_TAG_VALUE}[parameter]
    return InvalidArgumentError(
        f"'{parameter}' exceeds the maximum length of {limit} characters. ({ours})"
    )


def model_name(name: object, parameter: str = "name") -> str:
    """A registered model name: 1-256 characters, no '/', ':' or control characters.
    ``parameter`` is the argument's name in MLflow's API (``new_name`` for a rename)."""
    if name is None or (isinstance(name, str) and not name.strip()):
        raise _missing(parameter, "The name must not be an empty string.")
    text = _text(name, "Model name", MAX_NAME)
    if text != text.strip():
        raise InvalidArgumentError(
            f"Model name {text!r} starts or ends with white space; remove it"
        )
    bad = sorted({c for c in text if c in "/:" or _CONTROL.match(c)})
    if bad:
        shown = ", ".join(repr(c) for c in bad)
        raise InvalidArgumentError(
            f"Model name {text!r} contains {shown}; names may not contain '/', ':' "
            "or control characters"
        )
    return text


def _not_a_version(version: object, where: str) -> InvalidArgumentError:
    # MLflow's wording first (code matches it), then which model's version it was.
    return InvalidArgumentError(
        f"Parameter 'version' must be an integer, got {str(version)!r}. "
        f"(Version{where} must be a positive whole number.)"
    )


def version_number(version: object, name: str | None = None) -> int:
    """A version given as 3 or '3' (MLflow accepts both) as a positive int."""
    where = f" of model {name!r}" if name else ""
    if isinstance(version, bool):
        raise _not_a_version(version, where)
    if isinstance(version, int):
        number = version
    elif isinstance(version, str) and version.strip().isdigit():
        number = int(version.strip())
    else:
        raise _not_a_version(version, where)
    if number < 1 or number > 2**31 - 1:
        raise InvalidArgumentError(f"Version{where} must be between 1 and 2147483647, got {number}")
    return number


def version_or_stage(version: object, stage: object) -> None:
    """Exactly one of a version and a stage (tag calls may name a stage's newest version)."""
    if (version is None) == (stage is None):  # MLflow's words first
        said = "or stage must be set" if stage is None else "and stage cannot be set together"
        raise InvalidArgumentError(f"version {said}; pass exactly one of version or stage")


def stage(value: object) -> str:
    """A stage in any case ('production') as its canonical name ('Production')."""
    text = "None" if value is None else value
    if isinstance(text, str) and text.strip().lower() in _STAGE_BY_LOWER:
        return _STAGE_BY_LOWER[text.strip().lower()]
    if isinstance(text, str) and not text.strip():  # MLflow's client's words
        raise InvalidArgumentError(
            f"The stage must not be an empty string. (Give one of {', '.join(STAGES)}; "
            "any case is accepted.)"
        )
    raise InvalidArgumentError(
        f"Invalid Model Version stage: {value}. Value must be one of {', '.join(STAGES)}. "
        f"(Invalid stage {value!r}; any case is accepted.)"
    )


def alias(value: object) -> str:
    """An alias: letters, digits, '_' and '-'; 'latest' and 'v<N>' are reserved."""
    text = _text(value, "Alias", MAX_ALIAS)
    if not _ALIAS.fullmatch(text):
        raise InvalidArgumentError(
            f"Invalid alias {text!r}: use only letters, digits, '_' and '-' (e.g. 'champion')"
        )
    if _RESERVED_ALIAS.fullmatch(text):
        raise InvalidArgumentError(
            f"Alias {text!r} is reserved ('latest' and 'v<number>' name versions already)"
        )
    return text


def tag_key(key: object) -> str:
    if key is None or (isinstance(key, str) and not key.strip()):
        raise _missing("key", "Tag key must not be empty.")
    if isinstance(key, str) and len(key) > MAX_TAG_KEY:
        raise _too_long(
            "key", f"Tag key is {len(key)} characters long; the limit is {MAX_TAG_KEY}."
        )
    text = _text(key, "Tag key", MAX_TAG_KEY)
    if _CONTROL.search(text):
        raise InvalidArgumentError(f"Tag key {text!r} contains control characters; remove them")
    if text.startswith(RESERVED_TAG_PREFIX):
        raise InvalidArgumentError(
            f"Tag key {text!r} is reserved: keys starting with {RESERVED_TAG_PREFIX!r} hold "
            "MLflow 3's version fields (model_id); choose another key"
        )
    return text


def model_id(value: object) -> str | None:
    """MLflow 3's logged-model id of a version: text without control characters, or None."""
    if value is None or value == "":
        return None
    text = _text(value, "model_id", MAX_TAG_VALUE)
    if _CONTROL.search(text):
        raise InvalidArgumentError(f"model_id {text!r} contains control characters; remove them")
    return text


def tag_value(key: str, value: object) -> str:
    """Tag values are stored as text; numbers and booleans are converted like MLflow does."""
    if value is None:
        raise InvalidArgumentError(f"Tag {key!r} has no value; pass a string (it may be empty)")
    text = value if isinstance(value, str) else str(value)
    if len(text) > MAX_TAG_VALUE:
        raise _too_long(
            "value",
            f"Value of tag {key!r} is {len(text)} characters long; the limit is {MAX_TAG_VALUE}.",
        )
    return text


def tags(values: object) -> dict[str, str]:
    """A mapping of tags (or MLflow-style objects with .key/.value) checked key by key."""
    if values is None:
        return {}
    if isinstance(values, dict):
        items = list(values.items())
    elif isinstance(values, (list, tuple)):
        items = [(getattr(t, "key", None), getattr(t, "value", None)) for t in values]
    else:
        raise InvalidArgumentError(
            f"Tags must be a dict of key -> value, got {type(values).__name__}"
        )
    checked: dict[str, str] = {}
    for key, value in items:
        checked[tag_key(key)] = tag_value(str(key), value)
    return checked


def description(value: object) -> str | None:
    return None if value is None else _text(value, "Description", MAX_DESCRIPTION)


def comment(value: object) -> str | None:
    if value is None or value == "":
        return None
    return _text(value, "Comment", MAX_COMMENT)


def actor(value: object) -> str:
    text = _text(value, "User name", MAX_NAME).strip()
    if not text or _CONTROL.search(text):
        raise InvalidArgumentError(f"Invalid user name {value!r}")
    return text


def check_max_results(
    max_results: object, limit: int, what: str, *, limit_first: bool = False
) -> int:
    """``max_results`` of a search or listing, a whole number from 1 to ``limit``. Worded as
    MLflow's stores word it; ``limit_first`` checks the limit before the type, as MLflow's
    model search does."""
    number = isinstance(max_results, (int, float)) and not isinstance(max_results, bool)
    hint = f"({what} takes a whole number from 1 to {limit}.)"
    too_big = InvalidArgumentError(
        "Invalid value for request parameter max_results. It must be at most "
        f"{limit}, but got value {max_results!r}. {hint}"
    )
    if limit_first and number and max_results > limit:  # type: ignore[operator]
        raise too_big
    if not number or not isinstance(max_results, int) or max_results < 1:
        raise InvalidArgumentError(
            "Invalid value for max_results. It must be a positive integer, "
            f"but got {max_results!r}. {hint}"
        )
    if max_results > limit:
        raise too_big
    return max_results


MAX_SOURCE = 2000
SOURCE_SCHEMES = (
    "runs", "models", "s3", "gs", "wasbs", "abfss", "hdfs", "dbfs", "file", "mlflow-artifacts",
    "http", "https",
)  # fmt: skip
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")


def model_source(value: object) -> str | None:
    """Where a version's model came from: a ``runs:/`` or ``models:/`` URI, an object-store
    or file URI (``s3://``, ``gs://``, ``wasbs://``, ``abfss://``, ``hdfs://``, ``dbfs:/``,
    ``file://``, ``mlflow-artifacts:/``, ``http(s)://``) or a local path. Refused: control
    characters, credentials written into the URI, and other schemes."""
    if value is None:
        return None
    text = _text(value, "Model source", MAX_SOURCE)
    if _CONTROL.search(text):
        raise InvalidArgumentError(f"Model source {text[:80]!r} contains control characters")
    scheme = _SCHEME.match(text)
    if scheme is None or len(scheme.group(1)) == 1:  # a path (or a Windows drive letter)
        return text
    name = scheme.group(1).lower()
    if name not in SOURCE_SCHEMES:
        raise InvalidArgumentError(
            f"Unsupported model source {text[:80]!r}: expected a runs:/ or models:/ URI, a local "
            f"path, or one of {', '.join(s + ':' for s in SOURCE_SCHEMES[2:])}"
        )
    authority = text[scheme.end() :].lstrip("/").split("/", 1)[0]
    # user:secret@host is a credential; container@account (Azure) is an address
    if ":" in authority.rpartition("@")[0] and name not in ("runs", "models"):
        raise InvalidArgumentError(
            f"Model source {name}://...@... carries credentials: register the location "
            "without them (the registry keeps sources in its history for everyone to read)"
        )
    return text
