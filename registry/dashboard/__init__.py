"""Streamlit and plotly helpers for the dashboard pages (``app.py`` and ``pages/``).

Pages lay out widgets; everything else lives here, one job per module:

- ``session``: the cached client, the acting user, one script run's registry lease.
- ``links``: the page list, deep links through ``st.query_params``.
- ``keys``: session-state keys, prefixed by the page that owns them.
- ``feedback``: errors, busy registry, empty states, one-shot success messages.
- ``style``: the stage colours and the formats every page shares.
- ``filters``, ``paging``: the models search and store-side paging.
- ``tables``, ``figures``, ``lineage``, ``compare``, ``manifests``: DataFrames and figures
  built from entities.
- ``actions``, ``confirm``: reviewed writes behind a confirmation dialog.
- ``widgets``: small widget groups several pages share (model picker, pager buttons).
"""
