"""Validate: placeholder until the page lands."""

import streamlit as st

st.title("Validate")
