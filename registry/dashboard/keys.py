"""Session-state keys, each prefixed by the page that owns it."""

# Shared messages
FEEDBACK_RETRY = "feedback_retry"
LINKS_FOLLOWED = "links_followed"

# Models page. The search, the quick filters, the sort and the page size are bound to the URL
# under these names (``bind="query-params"``), and MODELS_PAGE is the page number in it: a
# copied link reproduces the view.
MODELS_QUERY = "models_search"
MODELS_STAGE = "models_stage"
MODELS_TEAM = "models_team"
MODELS_OWNER = "models_owner"
MODELS_SORT = "models_sort"
MODELS_PAGE_SIZE = "models_per_page"
MODELS_PAGE = "models_page"
MODELS_PAGER = "models_pager"
MODELS_TABLE = "models_table"
MODELS_OPEN = "models_open"
MODELS_ACTIVITY = "models_activity"
MODELS_VIEW = (MODELS_QUERY, MODELS_STAGE, MODELS_TEAM, MODELS_OWNER, MODELS_SORT, MODELS_PAGE_SIZE)

# Model page
MODEL_VERSIONS_PAGER = "model_versions_pager"
MODEL_VERSIONS_TABLE = "model_versions_table"
MODEL_REQUESTS_TABLE = "model_requests_table"
MODEL_VERSION_PICK = "model_version_pick"
MODEL_METRIC = "model_metric"
MODEL_ARCHIVE_EXISTING = "model_archive_existing"
MODEL_ALIAS = "model_alias"
MODEL_VERSION_DESCRIPTION = "model_version_description"
MODEL_VERSION_TAG_KEY = "model_version_tag_key"
MODEL_VERSION_TAG_VALUE = "model_version_tag_value"
MODEL_VERSION_TAG_REMOVE = "model_version_tag_remove"
MODEL_DESCRIPTION = "model_description"
MODEL_TAG_KEY = "model_tag_key"
MODEL_TAG_VALUE = "model_tag_value"
MODEL_TAG_REMOVE = "model_tag_remove"
MODEL_PENDING = "model_pending_action"
MODEL_COMMENT = "model_confirm_comment"
MODEL_MOVE_ALIAS = "model_confirm_move_alias"  # the alias to move with the promotion
MODEL_FLASH = "model_flash"
MODEL_DESCRIPTION_FORM = "model_description_form"
MODEL_ALIAS_FORM = "model_alias_form"
MODEL_VERSION_DESCRIPTION_FORM = "model_version_description_form"
MODEL_ROLLBACK = "model_rollback"
MODEL_TO_STAGE = "model_to"  # + _staging, _production, _archived
MODEL_ALIAS_REMOVE = "model_alias_remove"  # + _<alias>
MODEL_CHART = "model_chart"
MODEL_COMPARE = "model_compare"
MODEL_BULK_ARCHIVE = "model_bulk_archive"
MODEL_BULK_TAG = "model_bulk_tag"
MODEL_BULK_TAG_KEY = "model_bulk_tag_key"
MODEL_BULK_TAG_VALUE = "model_bulk_tag_value"
MODEL_COLUMNS = "model_columns"
MODEL_CONFIRM_OK = "model_confirm_ok"
MODEL_CONFIRM_CANCEL = "model_confirm_cancel"
MODEL_CONFIRM_CLOSE = "model_confirm_close"
MODEL_CONFIRM_ERROR = "model_confirm_error"
MODEL_POLICY_FORM = "model_policy_form"
MODEL_POLICY_RULES = "model_policy_rules"
MODEL_POLICY_REQUIRE = "model_policy_require"
MODEL_POLICY_DAYS = "model_policy_days"
MODEL_POLICY_TEST_SET = "model_policy_test_set"
MODEL_POLICY_SEEN = "model_policy_seen"  # (model, last update) the form shows

# Version page
VERSION_MODEL = "version_model"
VERSION_NUMBER = "version_number"
VERSION_METRICS = "version_metrics"
VERSION_HISTORIES_CHART = "version_histories_chart"
VERSION_LINEAGE_CHART = "version_lineage_chart"
VERSION_COMMENT = "version_comment"
VERSION_COMMENT_FORM = "version_comment_form"
VERSION_COMMENT_ERROR = "version_comment_error"
VERSION_FLASH = "version_flash"

# Compare page
COMPARE_PICKS = "compare_picks"
COMPARE_MODEL = "compare_model"
COMPARE_VERSION = "compare_version"
COMPARE_ALL_PARAMS = "compare_all_params"
COMPARE_ALL_METRICS = "compare_all_metrics"
COMPARE_BASELINE = "compare_baseline"
COMPARE_ADD = "compare_add"
COMPARE_REMOVE = "compare_remove"  # + _<model>_<version>
COMPARE_CHART = "compare_chart"
COMPARE_OVERVIEW = "compare_overview"

# History page. The feed's filters are bound to the URL under these names; a link's
# ``model`` parameter is moved into HISTORY_MODEL (and HISTORY_LINKED, for the stage picker).
HISTORY_MODEL = "history_model"
HISTORY_USER = "history_user"
HISTORY_EVENTS = "history_events"
HISTORY_FROM = "history_from"
HISTORY_TO = "history_to"
HISTORY_VIEW = (HISTORY_MODEL, HISTORY_USER, HISTORY_EVENTS, HISTORY_FROM, HISTORY_TO)
HISTORY_OFFSET = "history_offset"
HISTORY_LINKED = "history_linked"
HISTORY_TABLE = "history_table"
HISTORY_AT_MODEL = "history_at_model"
HISTORY_AT_STAGE = "history_at_stage"
HISTORY_AT_TIME = "history_at_time"

# Signing in to a registry server (the whole app)
SESSION_CLIENT = "session_client"
SESSION_TOKEN = "session_token"
SESSION_ERROR = "session_error"
SESSION_SIGN_IN = "session_sign_in"
SESSION_SIGN_OUT = "session_sign_out"
