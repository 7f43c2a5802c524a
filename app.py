"""The registry dashboard (placeholder until the dashboard pages land): lists models."""

import streamlit as st

from registry import RegistryClient

st.set_page_config(page_title="Model registry", layout="wide")
st.title("Model registry")
client = RegistryClient()
try:
    models = client.search_registered_models(max_results=1000)
    rows = [
        {
            "name": m.name,
            "description": m.description,
            "tags": ", ".join(f"{k}={v}" for k, v in m.tags.items()),
        }
        for m in models
    ]
finally:
    client.release()
if rows:
    st.dataframe(rows, hide_index=True)
else:
    st.info("No registered models yet. Register one from Python: see the README.")
