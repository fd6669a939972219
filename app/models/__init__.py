"""Every model, imported so that the metadata (and Alembic) sees them all."""

from app.models.audit import AuditLog
from app.models.organisation import Bank, Enterprise
from app.models.region import Region
from app.models.user import AppUser

__all__ = ["AppUser", "AuditLog", "Bank", "Enterprise", "Region"]
