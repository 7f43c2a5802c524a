"""Admin: who holds which role; admins grant, change and remove roles."""

import streamlit as st

from registry.dashboard import confirm, feedback, keys, links, review, role_changes, session

links.through_app(__file__)
client = session.client()


def roles_table(granted: dict[str, str]) -> None:
    if granted:
        st.dataframe(review.roles_frame(granted), hide_index=True, width="stretch")
    else:
        st.info(
            "No role is configured: every user is admin. Grant yourself the admin role first.",
            icon=":material/group:",
        )


def manage(granted: dict[str, str]) -> None:
    st.subheader("Grant or change a role")
    user_col, role_col = st.columns([2, 1])
    user_col.text_input("User", key=review.ADMIN_USER, placeholder="email or login")
    role_col.selectbox("Role", review.ROLES, key=review.ADMIN_ROLE)
    st.button("Grant", key=review.ADMIN_GRANT, type="primary", on_click=role_changes.request_grant)
    if granted:
        st.subheader("Remove a role")
        st.selectbox("User", sorted(granted), key=review.ADMIN_REMOVE_USER)
        st.button("Remove role", key=review.ADMIN_REMOVE, on_click=role_changes.request_removal)


st.title("Roles")
with feedback.page_guard():
    links.mark_page("admin")
    role = client.get_role(session.signed_in_user())
    st.caption(f"You act as **{role}**.")
    feedback.show_flash(keys.MODEL_FLASH)
    granted = client.get_roles()
    roles_table(granted)
    if role == "admin":
        manage(granted)
    else:
        st.caption(f":material/lock: Only admins manage roles; you are {role}.")
    with st.expander("What each role may do", expanded=role != "admin"):
        st.markdown(review.ROLES_EXPLAINED)
    if confirm.pending() is not None:
        confirm.confirm_dialog()
