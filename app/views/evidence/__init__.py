"""Evidence files on the web (佐证材料, SPEC §12.2): upload (XHR with progress), download and
preview after the permission check, delete while the record may change — ``files.py``; what
a page shows of a record's files (by field and by detail row) — ``shown.py``.

Offers ``EvidenceView`` (registered in ``app/views/menu.py``) and ``shown.files_of`` for the
portal form and the review pages. Sits below intake and review (they import it), above
platform; every decision is ``app.services.evidence.attachments``'s.
"""
