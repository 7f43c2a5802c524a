"""Storage: the store contract and its backends, the only packages with SQL in them.

- ``contract``: ``RegistryStore``, every method the client calls and what each guarantees;
- ``duckdb``: the embedded default, one DuckDB file and an artifacts folder.
"""
