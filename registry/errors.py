"""The registry's exceptions: one tree, so callers can catch broadly or precisely.

    RegistryError
    ├── NotFoundError                 an entity (model, version, alias, run, artifact) is missing
    │   └── AliasNotFoundError        the model has no such alias (MLflow's code for it)
    ├── AlreadyExistsError            a name or key is taken
    ├── InvalidArgumentError          a name, tag, stage, URI or other argument is malformed
    │   ├── FilterSyntaxError         a filter or order_by string cannot be parsed
    │   ├── SchemaMismatchError       prediction input does not match the model signature
    │   └── ValidationInputError      test data (or an upload) cannot be used to validate a model
    ├── InvalidStageTransitionError   a stage change that the rules refuse
    │   └── ValidationRequiredError   Production needs a recent passing validation first
    ├── PermissionDeniedError         the acting user's role does not allow the action
    ├── AuthenticationError           a registry server was called without a valid token
    ├── RegistryBusyError             another process held the registry file past the timeout
    ├── ServerUnavailableError        a registry server could not be reached or failed
    └── ArtifactError                 a model file is unsafe to load
        ├── IntegrityError            its bytes no longer match the recorded sha256
        └── UntrustedTypeError        it contains types outside the trusted list

Every message names the entity and its key, and says how to fix the problem where it can.
Each class carries MLflow's ``error_code`` and the HTTP status a server answers it with, so
MLflow code that branches on ``e.error_code`` works, and a server's error is raised in the
caller's process as the same class with the same message.
"""

from __future__ import annotations


class RegistryError(Exception):
    """Base class of every error the registry raises on purpose."""

    error_code = "INTERNAL_ERROR"
    http_status = 500

    @property
    def message(self) -> str:
        return str(self)

    def get_http_status_code(self) -> int:
        return self.http_status


class NotFoundError(RegistryError):
    """The named entity does not exist."""

    error_code = "RESOURCE_DOES_NOT_EXIST"
    http_status = 404


class AliasNotFoundError(NotFoundError):
    """The model has no such alias. MLflow answers this with ``INVALID_PARAMETER_VALUE``
    (HTTP 400), and so does this class, while remaining a NotFoundError."""

    error_code = "INVALID_PARAMETER_VALUE"
    http_status = 400


class AlreadyExistsError(RegistryError):
    """An entity with that name or key exists already."""

    error_code = "RESOURCE_ALREADY_EXISTS"
    http_status = 409


class InvalidArgumentError(RegistryError, ValueError):
    """An argument was malformed; the message says which and why."""

    error_code = "INVALID_PARAMETER_VALUE"
    http_status = 400


class FilterSyntaxError(InvalidArgumentError):
    """A filter string could not be parsed.

    ``position`` is the 0-based character offset of the offending token, ``token`` its text.
    """

    def __init__(self, message: str, *, position: int | None = None, token: str | None = None):
        super().__init__(message)
        self.position = position
        self.token = token


class SchemaMismatchError(InvalidArgumentError):
    """Prediction input does not match the model's input signature."""


class ValidationInputError(InvalidArgumentError):
    """Test data cannot be used to validate a model; ``problems`` lists every reason.

    Each problem is a ``registry.validation.records.Problem`` (severity, column, message), so a
    UI can show them one by one; the message joins the errors.
    """

    def __init__(self, message: str, *, problems: list | None = None):
        super().__init__(message)
        self.problems = list(problems or [])


class InvalidStageTransitionError(RegistryError):
    """The requested stage transition is not allowed."""

    error_code = "INVALID_STATE"
    http_status = 400


class ValidationRequiredError(InvalidStageTransitionError):
    """The model requires a recent passing validation before a version enters Production,
    and the version has none; a reviewer may override with a comment."""


class PermissionDeniedError(RegistryError):
    """The acting user's role does not allow this action."""

    error_code = "PERMISSION_DENIED"
    http_status = 403


class AuthenticationError(RegistryError):
    """A registry server refused the request: no token, or one it does not know."""

    error_code = "UNAUTHENTICATED"
    http_status = 401


class RegistryBusyError(RegistryError):
    """Another process kept the registry file locked past the timeout.

    ``holder`` describes that process as far as it is known (program and PID).
    """

    error_code = "TEMPORARILY_UNAVAILABLE"
    http_status = 503

    def __init__(self, message: str, *, holder: str | None = None):
        super().__init__(message)
        self.holder = holder


class ServerUnavailableError(RegistryError):
    """A registry server could not be reached, timed out, or failed unexpectedly."""

    error_code = "TEMPORARILY_UNAVAILABLE"
    http_status = 503


class ArtifactError(RegistryError):
    """A stored model file cannot be loaded safely."""

    error_code = "INVALID_STATE"
    http_status = 422


class IntegrityError(ArtifactError):
    """A model file's bytes do not match the sha256 recorded when it was stored."""


class UntrustedTypeError(ArtifactError):
    """A model file contains types that are not trusted; ``types`` lists them."""

    def __init__(self, message: str, *, types: list[str]):
        super().__init__(message)
        self.types = types


# MLflow's wording for the errors MLflow code most often matches on the text of; the
# project's detail, where there is any, follows it.
def model_not_found(name: str) -> NotFoundError:
    return NotFoundError(f"Registered Model with name={name} not found")


def version_not_found(name: str, version: int | str) -> NotFoundError:
    return NotFoundError(f"Model Version (name={name}, version={version}) not found")


def model_exists(name: str, detail: str = "") -> AlreadyExistsError:
    return AlreadyExistsError(f"Registered Model (name={name}) already exists.{detail}")


def alias_not_found(name: str, alias: str) -> AliasNotFoundError:
    return AliasNotFoundError(
        f"Registered model alias {alias} not found. (Registered model {name!r} has no alias "
        f"{alias!r}.)"
    )
