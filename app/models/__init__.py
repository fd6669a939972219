"""Every model, imported so that the metadata (and Alembic) sees them all."""

from app.models.audit import AuditLog
from app.models.batch import BackgroundJob, UploadBatch
from app.models.evidence import Attachment
from app.models.financing import RecommendationEntry, RecommendationList
from app.models.organisation import Bank, Enterprise
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
from app.models.user import AppUser

__all__ = ["ActivityTarget", "AppUser", "Attachment", "AuditLog", "BackgroundJob", "Bank",
           "Enterprise",
           "Anomaly", "Notice", "Objection", "PublicityBatch", "PublicityEntry",
           "Registration", "SpotCheck", "SpotCheckTask",
           "EvaluationProject", "Notification", "RecommendationEntry", "RecommendationList",
           "Region", "Reopening", "ReportingActivity",
           "ReviewRecord", "ScoreResult", "ScoreRun", "Submission", "SubmissionLetter",
           "UploadBatch"]
