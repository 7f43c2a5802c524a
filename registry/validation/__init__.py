"""Validation on test data: read an upload, check it against a version's signature, score
the predictions, judge the scores against the model's policy, and keep the record.

- ``uploads``: CSV or Parquet bytes into a DataFrame, with clear refusals;
- ``data_checks``: one Problem per thing wrong with the data;
- ``engine``: predict in chunks and score; ``metrics``: scikit-learn metrics by task;
- ``rules``: ``accuracy >= 0.9`` parsed and judged;
- ``records``: problems, rules, policies, records and the Production gate as plain entities
  (light to import: the store uses them without loading scikit-learn).
"""
