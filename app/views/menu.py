"""Every screen and its place in the menu — registered here and nowhere else."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.views.dashboard.page import DashboardView
from app.views.dashboard.workbench import WorkbenchView
from app.views.evidence.files import EvidenceView
from app.views.finance.loans import LoanSummaryView
from app.views.finance.needs import FinancingNeedView, MyFinancingView
from app.views.finance.recommendations import RecommendationEntryView, RecommendationListView
from app.views.intake.activities import ActivityView
from app.views.intake.batches import BatchView
from app.views.intake.enterprises import EnterpriseView
from app.views.intake.portal import PortalView
from app.views.national.batches import NationalBatchView
from app.views.national.loop import NationalLoopView
from app.views.national.points import NationalPointsView
from app.views.platform.accounts import CredentialsExportView, PendingAccountView, RegisterView
from app.views.platform.api_clients import ApiClientView
from app.views.platform.audit import AuditLogView
from app.views.platform.jobs import JobView
from app.views.platform.notifications import NotificationView
from app.views.platform.reference import BankView, RegionView
from app.views.platform.role_matrix import RoleMatrixView
from app.views.profiles.pool_evaluations import PoolEvaluationView, PoolProposalView
from app.views.profiles.pool_members import PoolHistoryView, PoolMemberView
from app.views.profiles.pools import PoolView
from app.views.profiles.profile import ProfileView
from app.views.profiles.search import ProfileSearchView
from app.views.profiles.tags import TagRuleView
from app.views.publicity.batches import ObjectionView, PublicityBatchView, RegistrationView
from app.views.publicity.notices import NoticeView
from app.views.publicity.portal import PublicPortalView
from app.views.publicity.supervision import AnomalyView, IntegrityView, SpotCheckTaskView
from app.views.review.duplicates import DuplicateView
from app.views.review.letters import LetterView
from app.views.review.queue import ReviewView
from app.views.review.submissions import SubmissionView
from app.views.scoring.projects import ProjectView
from app.views.scoring.results import MyScoreView, ScoreResultView
from app.views.scoring.runs import ScoreRunView
from app.views.shell.focus import FocusView
from app.views.shell.navigation import NavGroup, Navigation, NavItem, install


@dataclass(frozen=True)
class MenuEntry:
    view: type
    name: str  # stable menu name: FAB's menu_access permission is granted on it
    label: object
    icon: str
    category: str
    category_label: object
    category_icon: str
    opens_with: str = "can_list"  # the permission that makes the entry useful
    group: str = ""  # the sidebar's task group (GROUPS)


# FAB's categories stay as they were: their menu_access permissions are stored.
_TOP_LEVEL = ("", "", "")  # an entry of its own in FAB's menu, not in a category
_REPORTING = ("Reporting", _l("Reporting"), "fa-edit")
_SCORING = ("Scoring", _l("Innovation points"), "fa-trophy")
_FINANCE = ("Finance", _l("Technology finance"), "fa-university")
_ENTERPRISES = ("Enterprises", _l("Enterprises"), "fa-building")
_PUBLICITY = ("Publicity", _l("Publicity and registration"), "fa-bullhorn")
_CULTIVATION = ("Cultivation", _l("Enterprise cultivation"), "fa-line-chart")
_REFERENCE = ("Reference data", _l("Reference data"), "fa-book")
_SYSTEM = ("System", _l("System"), "fa-cogs")

# The sidebar groups screens by task, in the order of the yearly cycle.
GROUPS = [
    ("reporting", _l("Reporting"), "fa-edit"),
    ("review", _l("Review"), "fa-gavel"),
    ("scoring", _l("Innovation points"), "fa-trophy"),
    ("publicity", _l("Publicity and registration"), "fa-bullhorn"),
    ("cultivation", _l("Enterprise cultivation"), "fa-line-chart"),
    ("finance", _l("Technology finance"), "fa-university"),
    ("dashboard", _l("Dashboards"), "fa-bar-chart"),
    ("system", _l("System"), "fa-cogs"),
]

MENU = [
    MenuEntry(PortalView, "My reports", _l("My reports"), "fa-pencil-square-o", *_REPORTING,
              opens_with="can_index", group="reporting"),
    MenuEntry(ActivityView, "Reporting activities", _l("Reporting activities"), "fa-calendar",
              *_REPORTING, group="reporting"),
    MenuEntry(SubmissionView, "Submissions", _l("Submissions"), "fa-list-alt", *_REPORTING,
              group="reporting"),
    MenuEntry(BatchView, "Upload batches", _l("Upload batches"), "fa-upload", *_REPORTING,
              group="reporting"),
    MenuEntry(JobView, "My tasks", _l("My tasks"), "fa-tasks", *_REPORTING,
              opens_with="can_index", group="reporting"),
    MenuEntry(ReviewView, "Awaiting my review", _l("Awaiting my review"), "fa-gavel",
              *_REPORTING, group="review"),
    MenuEntry(DuplicateView, "Duplicates", _l("Duplicates pending"), "fa-clone", *_REPORTING,
              opens_with="can_index", group="review"),
    MenuEntry(LetterView, "Submission letters", _l("Submission letters"), "fa-envelope",
              *_REPORTING, group="review"),
    MenuEntry(NationalBatchView, "Reports to the Ministry", _l("Reports to the Ministry"),
              "fa-paper-plane", *_REPORTING, group="review"),
    MenuEntry(ProjectView, "Evaluation projects", _l("Evaluation projects"), "fa-sitemap",
              *_SCORING, group="scoring"),
    MenuEntry(ScoreRunView, "Score runs", _l("Score runs"), "fa-calculator", *_SCORING,
              group="scoring"),
    MenuEntry(ScoreResultView, "Scores", _l("Scores"), "fa-list-ol", *_SCORING,
              group="scoring"),
    MenuEntry(NationalPointsView, "National points", _l("National points"), "fa-balance-scale",
              *_SCORING, group="scoring"),
    MenuEntry(MyScoreView, "My innovation points", _l("My innovation points"), "fa-star",
              *_SCORING, opens_with="can_index", group="scoring"),
    MenuEntry(PublicityBatchView, "Publicity batches", _l("Publicity batches"), "fa-bullhorn",
              *_PUBLICITY, group="publicity"),
    MenuEntry(ObjectionView, "Objections", _l("Objections"), "fa-commenting-o", *_PUBLICITY,
              group="publicity"),
    MenuEntry(RegistrationView, "Registered enterprises", _l("Registered enterprises"),
              "fa-id-card-o", *_PUBLICITY, group="publicity"),
    MenuEntry(SpotCheckTaskView, "Spot checks", _l("Spot checks"), "fa-search", *_PUBLICITY,
              group="publicity"),
    MenuEntry(AnomalyView, "Anomaly list", _l("Anomaly list"), "fa-exclamation-triangle",
              *_PUBLICITY, group="publicity"),
    MenuEntry(NoticeView, "Portal pages", _l("Portal pages"), "fa-newspaper-o", *_PUBLICITY,
              group="publicity"),
    # 企业画像 and 梯度培育 (SPEC §12.4): group="cultivation", category *_CULTIVATION
    # The enterprise's own profile; officials reach /profiles/<uscc> from the lists. Labelled
    # 企业画像 so that their breadcrumb reads 企业培育 › 企业画像 › <name>.
    MenuEntry(ProfileView, "My profile", _l("Enterprise profile"), "fa-id-badge",
              *_CULTIVATION, opens_with="can_mine", group="cultivation"),
    MenuEntry(ProfileSearchView, "Enterprise search", _l("Enterprise search"), "fa-search",
              *_CULTIVATION, group="cultivation"),
    MenuEntry(PoolMemberView, "Pool members", _l("Pool members"), "fa-users", *_CULTIVATION,
              group="cultivation"),
    MenuEntry(PoolEvaluationView, "Pool evaluations", _l("Pool evaluations"), "fa-balance-scale",
              *_CULTIVATION, group="cultivation"),
    MenuEntry(PoolView, "Pool settings", _l("Pool settings"), "fa-sliders", *_CULTIVATION,
              group="cultivation"),
    MenuEntry(TagRuleView, "Tag rules", _l("Tag rules"), "fa-tags", *_CULTIVATION,
              group="cultivation"),
    MenuEntry(FinancingNeedView, "Financing needs", _l("Financing needs"), "fa-money",
              *_FINANCE, group="finance"),
    MenuEntry(MyFinancingView, "My financing need", _l("My financing need"), "fa-money",
              *_FINANCE, opens_with="can_index", group="finance"),
    MenuEntry(RecommendationListView, "Recommendation lists", _l("Recommendation lists"),
              "fa-list", *_FINANCE, group="finance"),
    MenuEntry(RecommendationEntryView, "Recommended enterprises", _l("Recommended enterprises"),
              "fa-handshake-o", *_FINANCE, group="finance"),
    MenuEntry(LoanSummaryView, "Loans granted", _l("Loans granted"), "fa-line-chart", *_FINANCE,
              opens_with="can_index", group="finance"),
    MenuEntry(DashboardView, "Data dashboard", _l("Data dashboard"), "fa-bar-chart",
              *_TOP_LEVEL, opens_with="can_index", group="dashboard"),
    MenuEntry(EnterpriseView, "Enterprise directory", _l("Enterprise directory"), "fa-building-o",
              *_ENTERPRISES, group="system"),
    MenuEntry(PendingAccountView, "Registrations", _l("Registrations awaiting activation"),
              "fa-user-plus", *_ENTERPRISES, group="system"),
    MenuEntry(RegionView, "Regions", _l("Administrative divisions"), "fa-map-marker", *_REFERENCE,
              group="system"),
    MenuEntry(BankView, "Banks", _l("Financial institutions"), "fa-university", *_REFERENCE,
              group="system"),
    MenuEntry(AuditLogView, "Audit log", _l("Audit log"), "fa-history", *_SYSTEM,
              group="system"),
    MenuEntry(ApiClientView, "API keys", _l("API keys"), "fa-plug", *_SYSTEM,
              opens_with="can_index", group="system"),
    MenuEntry(RoleMatrixView, "Roles and permissions", _l("Roles and permissions"), "fa-key",
              *_SYSTEM, opens_with="can_show", group="system"),
]

# FAB's own security screens (registered by FAB under "Security").
FAB_MENU = [
    ("List Users", "AppUserView", "can_list", "Security"),
    ("List Roles", "RoleModelView", "can_list", "Security"),
    ("List Groups", "UserGroupModelView", "can_list", "Security"),
    ("User's Statistics", "UserStatsChartView", "can_chart", "Security"),
]
# ... and where the sidebar shows them: (view, label, icon, method).
FAB_SIDEBAR = [
    ("AppUserView", _l("Users"), "fa-user", "list"),
    ("RoleModelView", _l("Roles"), "fa-users", "list"),
]


def menu_permissions() -> list[tuple[str, str, str, str]]:
    """(menu name, view name, permission that opens it, category) for role generation."""
    ours = [(e.name, e.view.__name__, e.opens_with, e.category) for e in MENU]
    return ours + FAB_MENU


# Screens reached from other screens, not from the menu.
NO_MENU = [CredentialsExportView, RegisterView, NotificationView, WorkbenchView, FocusView,
           EvidenceView, PublicPortalView, IntegrityView, PoolProposalView, PoolHistoryView,
           NationalLoopView]


def _method(entry: MenuEntry) -> str:
    return entry.opens_with.removeprefix("can_")


def navigation_of_menu() -> Navigation:
    """The sidebar's groups of the registered screens (app/views/shell/navigation.py)."""
    groups = []
    for key, label, icon in GROUPS:
        items = [NavItem(e.view.__name__, e.label, e.icon, _method(e), e.opens_with,
                         e.view.route_base or "") for e in MENU if e.group == key]
        if key == "system":
            items += [NavItem(view, label_, icon_, method, f"can_{method}")
                      for view, label_, icon_, method in FAB_SIDEBAR]
        groups.append(NavGroup(key, label, icon, tuple(items)))
    return Navigation(tuple(groups), NavItem("WorkbenchView", _l("Workbench"), "fa-home",
                                             "index", "can_index", "/workbench"))


def register_views(appbuilder) -> None:
    for view in NO_MENU:
        appbuilder.add_view_no_menu(view)
    for entry in MENU:
        appbuilder.add_view(
            entry.view,
            entry.name,
            label=entry.label,
            icon=entry.icon,
            category=entry.category,
            category_label=entry.category_label,
            category_icon=entry.category_icon,
        )
    install(current_app, navigation_of_menu())  # called inside create_app's app context
