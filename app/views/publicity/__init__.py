"""The public side: the portal at ``/`` for visitors, 公示 and 公告 lists, objections; and the
province's screens for batches, objections and registrations."""
