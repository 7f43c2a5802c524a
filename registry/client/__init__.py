"""The client: ``RegistryClient``, the one facade the fluent API, the CLI, the dashboard and
the server call. It checks every argument, resolves who is acting, enforces roles and the
Production gate, and calls a store (see ``registry.store``).

- ``facade``: registered models, versions, aliases, stages, searches, history;
- ``runs``, ``reviews``, ``validation``, ``notifications``: the other halves, mixed in;
- ``roles``: who may do what; ``model_uris``: ``runs:/`` and ``models:/`` URIs;
  ``datasets``: what a run's input data looked like.
"""

from registry.client.facade import RegistryClient

__all__ = ["RegistryClient"]
