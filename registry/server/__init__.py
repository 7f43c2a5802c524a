"""The registry server: one registry over HTTP for a team.

- ``app``: the application, assembled in one place (health, readiness, the error handler
  that turns every RegistryError into a status and MLflow's error body, the access log);
- ``auth``: the caller from the request's bearer token;
- ``rpc``: the JSON API, one endpoint per public client method (``/api/v1/<method>``);
- ``files``: model files, streamed and hash-checked;
- ``validations``: validation of a version on test data sent with the request;
- ``mlflow_api``: MLflow's model registry REST API (``/api/2.0/mlflow/...``), for MLflow's
  own client, in the JSON shapes of ``mlflow_shapes``;
- ``mlflow_artifacts``: ``models:/`` downloads for MLflow's client (``mlflow-artifacts:``);
- ``serve``: ``registry server``: open the store for the server's life, run uvicorn and the
  notification dispatcher.
"""
