"""Third-party data API (第三方数据对接): submit records to an activity and read their status.

Authenticate with an API key created by the province (系统管理 › 接口密钥):
`Authorization: Bearer ipp_…`. The key acts within the region it was created for,
and records go through exactly the checks of a batch upload.
"""

from __future__ import annotations

from flask import request
from flask_appbuilder.api import BaseApi, expose, protect
from sqlalchemy import select

from app.extensions import db
from app.models import Enterprise, ReportingActivity, Submission
from app.security.scope import restrict
from app.services.intake import batch as batch_service

MAX_RECORDS = 1000


class RecordApi(BaseApi):
    resource_name = "records"
    openapi_spec_tag = "Records"
    base_permissions = ["can_post", "can_get"]
    csrf_exempt = True

    def _activity(self, activity_id: int):
        activity = db.session.get(ReportingActivity, activity_id)
        if activity is None or activity.status != "open":
            return None
        return activity

    @expose("/<int:activity_id>", methods=["POST"])
    @protect()
    def post(self, activity_id: int):
        """Submit one record or many to an activity.
        ---
        post:
          summary: Submit records (same validation as batch upload)
          parameters:
          - in: path
            name: activity_id
            schema: {type: integer}
            required: true
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  oneOf:
                  - type: object
                    description: one record, keyed by field keys of the data dictionary
                  - type: object
                    properties:
                      records:
                        type: array
                        maxItems: 1000
                        items: {type: object}
          responses:
            200:
              description: Per-record results
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      batch: {type: integer}
                      passed: {type: integer}
                      failed: {type: integer}
                      results:
                        type: array
                        items:
                          type: object
                          properties:
                            index: {type: integer}
                            id: {type: integer, nullable: true}
                            uscc: {type: string}
                            status: {type: string, enum: [passed, failed]}
                            errors: {type: array, items: {type: string}}
                            warnings: {type: array, items: {type: string}}
                            messages: {type: array, items: {type: string}}
            400: {description: The body is not a record or a list of records}
            401: {description: Missing or invalid API key}
            404: {description: No such open activity}
        """
        activity = self._activity(activity_id)
        if activity is None:
            return self.response_404()
        body = request.get_json(silent=True)
        items = body.get("records") if isinstance(body, dict) and "records" in body else [body]
        if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
            return self.response_400(message="Send a JSON object (one record) or "
                                             "{\"records\": [objects]}.")
        if len(items) > MAX_RECORDS:
            return self.response_400(message=f"At most {MAX_RECORDS} records per request.")
        from flask import g

        batch, ids = batch_service.import_records(activity, g.user, f"API {g.user.username}",
                                                  items)
        failures = {f["row"]: f["errors"] for f in batch.failures or []}
        results = []
        for verdict in batch.verdicts:
            row = verdict["row"]
            results.append({"index": row - 1, "id": ids.get(row), "uscc": verdict["uscc"],
                            "status": verdict["status"], "errors": verdict["errors"],
                            "warnings": verdict["warnings"],
                            "messages": [e["zh"] for e in failures.get(row, [])]})
        return self.response(200, batch=batch.id, passed=batch.passed, failed=batch.failed,
                             results=results)

    @expose("/<int:activity_id>/<string:uscc>", methods=["GET"])
    @protect()
    def get(self, activity_id: int, uscc: str):
        """Read back the status of an enterprise's records in an activity.
        ---
        get:
          summary: Status of an enterprise's records
          parameters:
          - {in: path, name: activity_id, schema: {type: integer}, required: true}
          - {in: path, name: uscc, schema: {type: string}, required: true}
          responses:
            200:
              description: The enterprise's records in the activity
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      records:
                        type: array
                        items:
                          type: object
                          properties:
                            id: {type: integer}
                            status: {type: string}
                            channel: {type: string}
                            warnings: {type: array, items: {type: string}}
            404: {description: Not found, or outside the key's region}
        """
        query = restrict(select(Submission).join(Enterprise).where(
            Submission.activity_id == activity_id, Enterprise.uscc == uscc.strip().upper()),
            Submission)
        records = db.session.execute(query).scalars().all()
        if not records:
            return self.response_404()
        return self.response(200, records=[
            {"id": s.id, "status": s.status, "channel": s.channel,
             "warnings": (s.warning_rules or "").split()} for s in records])
