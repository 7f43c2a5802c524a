"""The registry dashboard: page config, the shared sidebar and the page navigation.

Run it with ``registry ui`` or ``streamlit run app.py``; REGISTRY_HOME picks the registry.
"""

from pathlib import Path

import streamlit as st

from registry.dashboard import links, session, sidebar

st.set_page_config(page_title="Model registry", page_icon=":material/inventory_2:", layout="wide")

with session.script_run() as client:
    pages = links.build_pages(Path(__file__).parent)
    current = st.navigation(links.sections(pages))
    links.navigation_ready()
    links.follow_deep_link(pages, current)
    with sidebar.after_page(client):  # the page's heading goes out before the sidebar's reads
        current.run()
