"""Submission statuses and the transitions between them (SPEC §8).

Only ``app.services.review.workflow`` applies these; this module says what is
allowed. The review issue extends it with the review actions.
"""

from __future__ import annotations

from app.domain.errors import BilingualError

DRAFT = "draft"
PENDING_COUNTY = "pending_county"
PENDING_CITY = "pending_city"
PENDING_PROVINCE = "pending_province"
APPROVED = "approved"
SUBMITTED = "submitted"
SCORED = "scored"
CONFIRMED = "confirmed"
RETURNED = "returned"
REJECTED = "rejected"
DUPLICATE = "duplicate_pending"
MERGED = "merged"
NATIONAL_RETURNED = "national_returned"  # the Ministry found a problem (SPEC §12.5)

STATUS_LABELS = {
    DRAFT: ("草稿", "Draft"),
    PENDING_COUNTY: ("待区县审核", "Awaiting county review"),
    PENDING_CITY: ("待市级审核", "Awaiting city review"),
    PENDING_PROVINCE: ("待省级审核", "Awaiting provincial review"),
    APPROVED: ("已通过待报送", "Approved, awaiting submission"),
    SUBMITTED: ("已报送", "Submitted"),
    SCORED: ("已测算", "Scored"),
    CONFIRMED: ("已确认", "Confirmed"),
    RETURNED: ("退回修改", "Returned for correction"),
    REJECTED: ("不予通过", "Rejected"),
    DUPLICATE: ("重复待定", "Duplicate pending"),
    MERGED: ("已合并", "Merged"),
    NATIONAL_RETURNED: ("国家退回", "Returned by the Ministry"),
}
STATUSES = tuple(STATUS_LABELS)

# Review chains: the levels a record passes, first to last.
CHAIN_COUNTY, CHAIN_CITY, CHAIN_PROVINCE = "county", "city", "province"
CHAINS = {
    CHAIN_COUNTY: (PENDING_COUNTY, PENDING_CITY, PENDING_PROVINCE),
    CHAIN_CITY: (PENDING_CITY, PENDING_PROVINCE),
    CHAIN_PROVINCE: (PENDING_PROVINCE,),
}
CHAIN_LABELS = {
    CHAIN_COUNTY: ("区县 → 市 → 省", "County → city → province"),
    CHAIN_CITY: ("市 → 省", "City → province"),
    CHAIN_PROVINCE: ("仅省级", "Province only"),
}

# An enterprise may edit its record only in these statuses.
EDITABLE_BY_ENTERPRISE = frozenset({DRAFT, RETURNED, NATIONAL_RETURNED})
# Sent back for correction, by a reviewer or by the Ministry.
RETURNED_STATES = frozenset({RETURNED, NATIONAL_RETURNED})
# Passed provincial review: what reaches profiles, 公示 and the national report.
PASSED_PROVINCE = frozenset({APPROVED, SUBMITTED, SCORED, CONFIRMED})


class TransitionError(BilingualError):
    """Said in both languages."""


def first_level(chain: str) -> str:
    return CHAINS[chain][0]


def status_after_submit(current: str, chain: str) -> str:
    """An enterprise submits (or resubmits after a return): the chain's first level."""
    if current not in EDITABLE_BY_ENTERPRISE:
        raise TransitionError("该记录已提交，不能重复提交。",
                              "This record has already been submitted.")
    return first_level(chain)


LEVELS = ("county", "city", "province")
LEVEL_STATUS = {"county": PENDING_COUNTY, "city": PENDING_CITY, "province": PENDING_PROVINCE}


def status_after_upload(chain: str, uploader_level: str,
                        province_reviews_uploads: bool = False) -> str:
    """Rows a bureau uploads (or sends through the API) enter the chain at the first
    level above the uploader; the province's own go straight to approval unless the
    activity wants them reviewed."""
    above = LEVELS[LEVELS.index(uploader_level) + 1:]
    for level in above:
        if LEVEL_STATUS[level] in CHAINS[chain]:
            return LEVEL_STATUS[level]
    if uploader_level == "province" and province_reviews_uploads:
        return PENDING_PROVINCE
    return APPROVED


# Records another channel's record for the same enterprise does not silently replace.
IN_REVIEW = frozenset({PENDING_COUNTY, PENDING_CITY, PENDING_PROVINCE, APPROVED})


# -- review (SPEC §8) -------------------------------------------------------------------------
APPROVE, RETURN, REJECT, REVOKE = "approve", "return", "reject", "revoke"
KEEP, MERGE, LETTER = "keep", "merge", "letter"
# What else a record's history (ReviewRecord.action) holds.
CREATE, SUBMIT, UPLOAD, MARK_DUPLICATE = "create", "submit", "upload", "duplicate"
SCORE, CONFIRM_SCORE = "score", "confirm"
NATIONAL_RETURN = "national_return"
ACTION_LABELS = {
    CREATE: ("创建", "Created"),
    SUBMIT: ("提交", "Submitted"),
    UPLOAD: ("批量上传", "Batch upload"),
    MARK_DUPLICATE: ("标记为重复待定", "Marked as duplicate"),
    APPROVE: ("审核通过", "Approved"),
    RETURN: ("退回修改", "Returned for correction"),
    REJECT: ("不予通过", "Rejected"),
    REVOKE: ("撤销通过", "Approval revoked"),
    KEEP: ("重复处理：保留", "Kept (duplicates resolved)"),
    MERGE: ("重复处理：合并", "Merged into the kept record"),
    LETTER: ("报送", "Submitted by letter"),
    SCORE: ("积分测算", "Scored"),
    CONFIRM_SCORE: ("积分确认", "Score confirmed"),
    NATIONAL_RETURN: ("国家退回", "Returned by the Ministry"),
}
STATUS_OF_LEVEL = LEVEL_STATUS
LEVEL_OF_STATUS = {status: level for level, status in LEVEL_STATUS.items()}
NEEDS_REASON = frozenset({RETURN, REJECT, REVOKE})


def level_of_status(status: str) -> str | None:
    return LEVEL_OF_STATUS.get(status)


def after_review(status: str, chain: str, action: str, reviewer_level: str) -> str:
    """The status a review action leads to, or TransitionError saying why not."""
    if action == REVOKE:
        if reviewer_level != "province" or status != APPROVED:
            raise TransitionError("只有省级管理员可以撤销已通过的记录。",
                                  "Only the province can revoke an approved record.")
        return PENDING_PROVINCE
    level = LEVEL_OF_STATUS.get(status)
    if level is None:
        raise TransitionError("该记录当前不在审核环节。", "This record is not awaiting review.")
    if level != reviewer_level:
        raise TransitionError("该记录不在您这一级审核。",
                              "This record is not at your review level.")
    if action == APPROVE:
        levels = CHAINS[chain]
        position = levels.index(status) if status in levels else len(levels) - 1
        return levels[position + 1] if position + 1 < len(levels) else APPROVED
    if action == RETURN:
        return RETURNED
    if action == REJECT:
        return REJECTED
    raise TransitionError("未知的审核操作。", "Unknown review action.")


def after_national_return(status: str) -> str:
    """The Ministry returns a record it was sent: only one that passed provincial review."""
    if status not in PASSED_PROVINCE:
        raise TransitionError("该记录未通过省级审核，不在国家退回的范围内。",
                              "This record has not passed provincial review: the Ministry "
                              "cannot return it.")
    return NATIONAL_RETURNED
