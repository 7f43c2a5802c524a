"""The registry server: one registry over HTTP for a team.

- ``app``: the application, assembled in one place (health, readiness, the error handler
  that turns every RegistryError into a status and MLflow's error body, the access log);
- ``auth``: the caller from the request's bearer token;
- ``rpc``: the JSON API, one endpoint per public client method (``/api/v1/<method>``);
- ``files``: model files, streamed and hash-checked;
- ``validations``: validation of a version on test data sent with the request;
- ``serve``: ``registry server``: open the store for the server's life, run uvicorn and the
  notification dispatcher.
"""
