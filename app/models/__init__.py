"""Every model, imported so that the metadata (and Alembic) sees them all."""

from app.models.audit import AuditLog
from app.models.batch import BackgroundJob, UploadBatch
from app.models.evidence import Attachment
from app.models.financing import RecommendationEntry, RecommendationList
from app.models.national import (
    NationalBatch,
    NationalBatchEntry,
    NationalDeliveryAttempt,
    NationalImport,
    NationalOutbox,
    NationalPoints,
)
from app.models.notice_files import NoticeAttachment  # noqa: F401  (on the metadata)
from app.models.organisation import Bank, Enterprise
from app.models.profiles import Pool, PoolEvaluation, PoolMembership, PoolProposal, TagRule
from app.models.publicity import (
    Anomaly,
    Notice,
    Objection,
    PublicityBatch,
    PublicityEntry,
    Registration,
    SpotCheck,
    SpotCheckTask,
)
from app.models.region import Region
from app.models.reporting import ActivityTarget, ReportingActivity, ReviewRecord, Submission
from app.models.review import Notification, Reopening, SubmissionLetter
from app.models.scoring import EvaluationProject, ScoreResult, ScoreRun
from app.models.status_codes import StatusQueryCode  # noqa: F401  (on the metadata)
from app.models.user import AppUser

__all__ = ["ActivityTarget", "AppUser", "Attachment", "AuditLog", "BackgroundJob", "Bank",
           "Enterprise",
           "Anomaly", "Notice", "Objection", "PublicityBatch", "PublicityEntry",
           "Registration", "SpotCheck", "SpotCheckTask",
           "EvaluationProject", "Notification", "RecommendationEntry", "RecommendationList",
           "Region", "Reopening", "ReportingActivity",
           "ReviewRecord", "ScoreResult", "ScoreRun", "Submission", "SubmissionLetter",
           "UploadBatch", "Pool", "PoolEvaluation", "PoolMembership", "PoolProposal", "TagRule",
           "NationalBatch", "NationalBatchEntry", "NationalDeliveryAttempt", "NationalImport",
           "NationalOutbox", "NationalPoints"]
