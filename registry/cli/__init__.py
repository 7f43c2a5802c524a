"""The ``registry`` command: ``main`` parses and dispatches, ``cicd`` holds the pipeline
commands (promote, archive, alias, wait), ``notifications`` the subscription, delivery and
dispatcher commands."""
