"""企业画像 and 梯度培育 (SPEC §12.4): an enterprise across its data years, the auto tags and
pool criteria written over it, the yearly pool evaluation and its confirmation."""

from __future__ import annotations

from app.domain.errors import BilingualError
from app.domain.workflow import APPROVED, CONFIRMED, SCORED, SUBMITTED

# A record counts in a profile once it has passed provincial review (SPEC §12.4).
PROFILE_STATUSES = (APPROVED, SUBMITTED, SCORED, CONFIRMED)


class ProfileError(BilingualError):
    """A profile, criterion or pool operation is refused; the message says why."""


NOT_FOUND = ("没有找到该统一社会信用代码的企业，或您无权查看：请核对代码。",
             "No enterprise with this credit code was found, or you may not see it: "
             "check the code.")
