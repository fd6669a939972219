"""Demo data (idempotent): a user per role and an activity taken through the yearly cycle —
reports, reviews, letters, a confirmed score run, a published recommendation list — made
only with the other capabilities' public functions."""

from app.services.demo.cycle import (
    DEMO_ACTIVITY,
    DEMO_COUNTY,
    DEMO_ENTERPRISES,
    DEMO_PASSWORD,
    demo_uscc,
    demo_users,
    load_demo,
)

__all__ = ["DEMO_ACTIVITY", "DEMO_COUNTY", "DEMO_ENTERPRISES", "DEMO_PASSWORD", "demo_users",
           "demo_uscc", "load_demo"]
