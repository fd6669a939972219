"""Roles and what each may do — declared here and nowhere else.

``ACCESS`` maps every registered view to every permission it has and to the
roles granted it. The administrator holds every permission listed here and
nothing else: an endpoint left out (say, editing the audit log) is closed to
all. The permission matrix test fails when a view or a permission appears
without a decision here.
The roles are FAB "builtin" roles generated from this table, so access checks
need no database query and cannot drift from this file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask_babel import lazy_gettext as _l

ADMIN = "Admin"
PROVINCE_ADMIN = "ProvinceAdmin"
CITY_REVIEWER = "CityReviewer"
COUNTY_REVIEWER = "CountyReviewer"
ENTERPRISE = "Enterprise"
BANK = "Bank"
PUBLIC = "Public"

ROLE_LABELS = {
    ADMIN: _l("System administrator"),
    PROVINCE_ADMIN: _l("Province administrator"),
    CITY_REVIEWER: _l("City reviewer"),
    COUNTY_REVIEWER: _l("County reviewer"),
    ENTERPRISE: _l("Enterprise user"),
    BANK: _l("Financial institution"),
}
ROLES = tuple(ROLE_LABELS)

# Which region level a regional role's user must carry.
REGION_LEVEL_OF_ROLE = {
    PROVINCE_ADMIN: "province",
    CITY_REVIEWER: "city",
    COUNTY_REVIEWER: "county",
}
REGIONAL_ROLES = frozenset(REGION_LEVEL_OF_ROLE)

NOBODY: frozenset[str] = frozenset()
BUREAUS = frozenset({PROVINCE_ADMIN, CITY_REVIEWER, COUNTY_REVIEWER})
SIGNED_IN = frozenset({PROVINCE_ADMIN, CITY_REVIEWER, COUNTY_REVIEWER, ENTERPRISE, BANK})
PROVINCE = frozenset({PROVINCE_ADMIN})

# view name -> permission -> roles other than ADMIN that hold it
ACCESS: dict[str, dict[str, frozenset[str]]] = {
    # 工作台: every signed-in role's home page; the region switch of the top bar (it only
    # ever narrows the user's own area).
    "WorkbenchView": {"can_index": SIGNED_IN},
    "FocusView": {"can_set": BUREAUS},
    # 数据看板: bureaus for their region, banks for their own entries; enterprises have their
    # portal instead.
    "DashboardView": {"can_index": BUREAUS | {BANK}, "can_xlsx": BUREAUS | {BANK}},
    # Reference data
    "RegionView": {"can_list": SIGNED_IN, "can_show": SIGNED_IN, "can_export": BUREAUS},
    "BankView": {
        "can_list": SIGNED_IN,
        "can_show": SIGNED_IN,
        "can_add": PROVINCE,
        "can_edit": PROVINCE,
        "can_delete": NOBODY,
        "can_export": BUREAUS,
    },
    # Enterprises: bureaus within their region, an enterprise its own record
    "EnterpriseView": {
        "can_list": BUREAUS | {ENTERPRISE},
        "can_show": BUREAUS | {ENTERPRISE},
        "can_add": BUREAUS,
        "can_edit": BUREAUS,
        "can_delete": PROVINCE,
        "can_export": BUREAUS,
        "create_account": BUREAUS,
    },
    "PendingAccountView": {"can_list": BUREAUS, "can_show": BUREAUS, "can_export": BUREAUS,
                           "activate": BUREAUS},
    "CredentialsExportView": {"can_xlsx": BUREAUS},
    # Reporting
    "ActivityView": {
        "can_list": BUREAUS,
        "can_show": BUREAUS,
        "can_add": PROVINCE,
        "can_edit": PROVINCE,
        "can_delete": PROVINCE,
        "can_export": BUREAUS,
        "can_settings": PROVINCE,
        "can_instructions": BUREAUS | {ENTERPRISE},
        "can_accounts": BUREAUS,
    },
    # Enterprises see their own records here too (scope), bureaus those of their region.
    "SubmissionView": {"can_list": BUREAUS | {ENTERPRISE}, "can_show": BUREAUS | {ENTERPRISE},
                       "can_export": BUREAUS, "revoke": PROVINCE, "letter": PROVINCE,
                       "reopen": PROVINCE, "can_reopen_confirm": PROVINCE},
    "DuplicateView": {"can_index": PROVINCE, "can_group": PROVINCE},
    "LetterView": {"can_list": PROVINCE, "can_show": PROVINCE, "can_export": PROVINCE,
                   "can_generate": PROVINCE, "can_pdf": PROVINCE, "can_scan": PROVINCE},
    # 报送国家 (SPEC §12.5): the province reports and imports the Ministry's files; bureaus
    # see the national points and the loop of their own area.
    "NationalBatchView": {"can_list": PROVINCE, "can_show": PROVINCE, "can_export": PROVINCE,
                          "can_report": PROVINCE, "can_download": PROVINCE,
                          "can_feedback": PROVINCE, "can_points": PROVINCE,
                          "can_template": PROVINCE, "can_redeliver": PROVINCE},
    "NationalPointsView": {"can_list": BUREAUS, "can_export": PROVINCE, "can_confirm": PROVINCE,
                           "confirm_selected": PROVINCE},
    "NationalLoopView": {"can_show": BUREAUS},
    "ReviewView": {"can_list": BUREAUS, "can_show": BUREAUS, "can_export": BUREAUS,
                   "can_decide": BUREAUS, "approve": BUREAUS, "send_back": BUREAUS,
                   "refuse": BUREAUS},
    "BatchView": {"can_list": BUREAUS, "can_show": BUREAUS, "can_export": BUREAUS,
                  "can_failures": BUREAUS, "can_upload": BUREAUS, "can_template": BUREAUS},
    "JobView": {"can_index": BUREAUS, "can_show": BUREAUS, "can_status": BUREAUS},  # own jobs
    "PortalView": {"can_index": {ENTERPRISE}, "can_form": {ENTERPRISE},
                   "can_check": {ENTERPRISE}},
    # Evidence files (佐证材料): who may read or change one is decided per record by
    # services/evidence/attachments (the enterprise, its reviewing chain, the province).
    "EvidenceView": {"can_upload": BUREAUS | {ENTERPRISE},
                     "can_download": BUREAUS | {ENTERPRISE},
                     "can_delete": BUREAUS | {ENTERPRISE}},
    # 公示, 异议, 公告 and registrations (SPEC §12.3): the province decides; reviewers
    # investigate objections and see registrations in their area; an enterprise its own.
    "PublicityBatchView": {"can_list": PROVINCE, "can_show": PROVINCE, "can_export": PROVINCE,
                           "can_new": PROVINCE, "can_publish": PROVINCE, "can_close": PROVINCE},
    "ObjectionView": {"can_list": BUREAUS, "can_show": BUREAUS, "can_export": BUREAUS,
                      "can_note": BUREAUS, "can_decide": PROVINCE},
    "SpotCheckTaskView": {"can_list": BUREAUS, "can_show": BUREAUS, "can_export": BUREAUS,
                          "can_draw": PROVINCE, "can_finding": BUREAUS},
    "AnomalyView": {"can_list": BUREAUS, "can_export": BUREAUS, "can_add_entry": PROVINCE,
                    "can_remove_entry": PROVINCE},
    "IntegrityView": {"can_show": BUREAUS},
    "NoticeView": {"can_list": PROVINCE, "can_export": PROVINCE, "can_write": PROVINCE},
    "RegistrationView": {"can_list": BUREAUS | {ENTERPRISE}, "can_show": BUREAUS | {ENTERPRISE},
                         "can_export": BUREAUS, "can_revoke": PROVINCE,
                         "can_certificate": BUREAUS | {ENTERPRISE}},
    # 企业画像 and 梯度培育 (SPEC §12.4): officials in scope; an enterprise its own profile.
    "ProfileView": {"can_show": BUREAUS, "can_pdf": BUREAUS, "can_xlsx": BUREAUS,
                    "can_mine": {ENTERPRISE}},
    # 梯度培育: the province sets the pools and tag rules, evaluates and confirms; reviewers
    # read and comment on the proposals, members and search results of their area.
    "PoolView": {"can_list": PROVINCE, "can_export": PROVINCE, "can_edit_pool": PROVINCE,
                 "can_check_criterion": PROVINCE},
    "TagRuleView": {"can_list": PROVINCE, "can_export": PROVINCE, "can_new_tag": PROVINCE,
                    "can_edit_tag": PROVINCE, "can_check_criterion": PROVINCE},
    "PoolEvaluationView": {"can_list": BUREAUS, "can_show": BUREAUS, "can_export": BUREAUS,
                           "can_evaluate": PROVINCE, "can_confirm": PROVINCE},
    "PoolProposalView": {"can_list": BUREAUS, "can_show": BUREAUS, "can_export": BUREAUS,
                         "can_comment": BUREAUS, "can_set_aside": PROVINCE},
    "PoolMemberView": {"can_list": BUREAUS, "can_export": BUREAUS},
    "PoolHistoryView": {"can_list": BUREAUS, "can_export": BUREAUS},
    "ProfileSearchView": {"can_list": BUREAUS, "can_export": BUREAUS},
    # Third-party data API and its keys
    "RecordApi": {"can_post": BUREAUS, "can_get": BUREAUS},
    "ApiClientView": {"can_index": PROVINCE, "can_revoke": PROVINCE},
    "OpenApi": {"can_get": BUREAUS},
    "SwaggerView": {"can_show": NOBODY},  # FAB's Swagger UI loads from a CDN: unusable offline
    "NotificationView": {"can_index": SIGNED_IN},
    # Scoring: the province; bureaus read the results of their area; enterprises their own
    "ProjectView": {"can_list": PROVINCE, "can_show": PROVINCE, "can_export": PROVINCE,
                    "can_upload": PROVINCE, "can_download": PROVINCE,
                    "can_edit_project": PROVINCE, "can_check_formula": PROVINCE,
                    "can_copy_project": PROVINCE, "can_new_project": PROVINCE},
    "ScoreRunView": {"can_list": PROVINCE, "can_show": PROVINCE, "can_export": PROVINCE,
                     "can_start": PROVINCE, "can_confirm": PROVINCE,
                     "can_results_xlsx": PROVINCE},
    "ScoreResultView": {"can_list": BUREAUS, "can_show": BUREAUS, "can_export": BUREAUS,
                        "confirm_selected": PROVINCE, "flag": PROVINCE},
    "MyScoreView": {"can_index": {ENTERPRISE}},
    # Financing needs, recommendation lists, the bank portal and loan outcomes (SPEC §9)
    "FinancingNeedView": {"can_list": BUREAUS | {BANK}, "can_show": BUREAUS | {BANK},
                          "can_export": BUREAUS | {BANK}},
    "MyFinancingView": {"can_index": {ENTERPRISE}},
    "RecommendationListView": {"can_list": PROVINCE, "can_show": PROVINCE,
                               "can_export": PROVINCE, "can_build": PROVINCE,
                               "can_publish": PROVINCE, "can_entries_xlsx": PROVINCE},
    "RecommendationEntryView": {"can_list": BUREAUS | {BANK}, "can_show": BUREAUS | {BANK},
                                "can_export": BUREAUS | {BANK},
                                "can_outcome": BUREAUS | {BANK}, "remove": PROVINCE},
    "LoanSummaryView": {"can_index": BUREAUS, "can_export": BUREAUS},
    # Audit log: read-only by construction (the view has no edit/delete at all)
    "AuditLogView": {"can_list": PROVINCE, "can_show": PROVINCE, "can_export": PROVINCE},
    # Role overview
    "RoleMatrixView": {"can_show": NOBODY},
    # Accounts (FAB's security screens)
    "AppUserView": {
        "can_list": NOBODY,
        "can_show": NOBODY,
        "can_add": NOBODY,
        "can_edit": NOBODY,
        "can_delete": NOBODY,
        "can_download": NOBODY,
        "can_userinfo": SIGNED_IN,
        "resetmypassword": SIGNED_IN,  # actions: FAB names their permissions without can_
        "userinfoedit": SIGNED_IN,
        "resetpasswords": NOBODY,
        "unlock": NOBODY,
    },
    "ChangePasswordView": {"can_this_form_get": SIGNED_IN, "can_this_form_post": SIGNED_IN},
    "UserInfoEditView": {"can_this_form_get": SIGNED_IN, "can_this_form_post": SIGNED_IN},
    "ResetPasswordView": {"can_this_form_get": NOBODY, "can_this_form_post": NOBODY},
    "RoleModelView": {
        "can_list": NOBODY,
        "can_show": NOBODY,
        "can_add": NOBODY,
        "can_edit": NOBODY,
        "can_delete": NOBODY,
        "can_download": NOBODY,
        "copyrole": NOBODY,
    },
    "UserGroupModelView": {
        "can_list": NOBODY,
        "can_show": NOBODY,
        "can_add": NOBODY,
        "can_edit": NOBODY,
        "can_delete": NOBODY,
        "can_download": NOBODY,
    },
    "UserStatsChartView": {"can_chart": NOBODY},
    "MenuApi": {"can_get": NOBODY},
}


def grants(role: str, view: str, permission: str) -> bool:
    permissions = ACCESS.get(view, {})
    if role == ADMIN:
        return permission in permissions
    return role in permissions.get(permission, NOBODY)


def builtin_roles(menu_items: Iterable[tuple[str, str, str, str | None]]) -> dict[str, list]:
    """FAB_ROLES: for each role, exact (view, permission) patterns.

    ``menu_items`` are (menu name, view name, permission that opens it, category):
    a role sees a menu entry when it holds that permission on the view, and a
    category when it sees an entry in it.
    """
    result: dict[str, list] = {PUBLIC: []}
    for role in ROLES:
        pairs = set()
        for view, permissions in ACCESS.items():
            for permission in permissions:
                if grants(role, view, permission):
                    pairs.add((view, permission))
        for menu_name, view, opens_with, category in menu_items:
            if grants(role, view, opens_with):
                pairs.add((menu_name, "menu_access"))
                if category:
                    pairs.add((category, "menu_access"))
        # Exact matches: FAB compares with re.match, which would accept a prefix.
        result[role] = [
            [f"^{re.escape(view)}$", f"^{re.escape(permission)}$"]
            for view, permission in sorted(pairs)
        ]
    return result
