"""Storage: the store contract and its backends, the only packages with SQL in them.

- ``contract``: ``RegistryStore``, every method the client calls and what each guarantees;
- ``duckdb``: the embedded default, one DuckDB file and an artifacts folder;
- ``postgres``: one PostgreSQL database that several server processes share;
- ``opening``: the store a ``--store`` URI names (none: the home's DuckDB file).
"""
