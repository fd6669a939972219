"""Third-party data API (第三方数据对接): submit records to an activity and read their status.

Authenticate with an API key created by the province (系统管理 › 接口密钥):
`Authorization: Bearer ipp_…`. The key acts within the region it was created for,
and records go through exactly the checks of a batch upload. Where the activity asks for
detail tables (明细表, SPEC §12.1) a record carries their rows as arrays in ``details``,
checked as the upload's detail sheets are; the counts they give replace the typed ones.
"""

from __future__ import annotations

from flask import request
from flask_appbuilder.api import BaseApi, expose, protect
from sqlalchemy import select

from app.domain.records import details as D
from app.extensions import db
from app.models import Enterprise, ReportingActivity, Submission
from app.security.scope import restrict
from app.services.intake import batch as batch_service

MAX_RECORDS = 1000



def details_schema() -> dict:
    """The OpenAPI schema of a record's detail rows, from the tables' declarations (so the
    description cannot drift from what is checked)."""
    kinds = {D.DATE: {"type": "string", "format": "date", "example": "2024-05-20"},
             D.YEAR: {"type": "integer", "example": 2024}}
    tables = {}
    for key, table in D.TABLES.items():
        properties = {}
        for column in table.columns:
            prop = dict(kinds.get(column.kind, {"type": "string", "maxLength": column.max_length}))
            if column.kind == D.ENUM:
                prop["enum"] = list(column.options)
            prop["description"] = f"{column.label_zh} / {column.label_en}"
            properties[column.key] = prop
        counts = ", ".join(table.derives)
        tables[key] = {"type": "array", "description": f"{table.sheet_zh} / {table.sheet_en}; "
                       f"gives {counts}",
                       "items": {"type": "object", "required": list(table.keys),
                                 "properties": properties}}
    return {"type": "object", "properties": tables, "description": (
        "Detail rows (SPEC 12.1) of the tables the activity asks for; others are ignored. "
        "Every cell is required; no date or year after the data year; an invention or "
        "utility-model patent number is ZL + 12 digits + . + a check character; a number "
        "at most once per table. The counts the rows give replace typed ones: a count may be "
        "left out, and given it must equal the rows (a table without rows gives 0).")}


class RecordApi(BaseApi):
    resource_name = "records"
    openapi_spec_tag = "Records"
    base_permissions = ["can_post", "can_get"]
    csrf_exempt = True

    def add_apispec_components(self, api_spec) -> None:
        super().add_apispec_components(api_spec)
        from apispec.exceptions import DuplicateComponentNameError

        try:
            api_spec.components.schema("RecordDetails", details_schema())
        except DuplicateComponentNameError:  # the spec is built more than once per process
            pass

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
                    description: >-
                      one record, keyed by field keys of the data dictionary, with its detail
                      rows under "details" where the activity asks for detail tables
                    properties:
                      details: {$ref: '#/components/schemas/RecordDetails'}
                  - type: object
                    properties:
                      records:
                        type: array
                        maxItems: 1000
                        items:
                          type: object
                          properties:
                            details: {$ref: '#/components/schemas/RecordDetails'}
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
                            detail_errors:
                              type: array
                              description: >-
                                problems of the record's detail rows (activities that ask for
                                detail tables); index is the row's place in its array, null
                                for the table as a whole or a count the rows contradict
                              items:
                                type: object
                                properties:
                                  table: {type: string, example: ip}
                                  index: {type: integer, nullable: true}
                                  column: {type: string, nullable: true, example: grant_date}
                                  message: {type: string}
            400:
              description: >-
                The body is not a record or a list of records, or a record's details are not
                arrays of objects
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

        try:
            batch, ids = batch_service.import_records(activity, g.user,
                                                      f"API {g.user.username}", items)
        except batch_service.BatchError as error:
            return self.response_400(message=error.message_en)
        failures = {f["row"]: f["errors"] for f in batch.failures or []}
        asks = bool(activity.asked_tables())
        results = []
        for verdict in batch.verdicts:
            row = verdict["row"]
            errors = failures.get(row, [])
            result = {"index": row - 1, "id": ids.get(row), "uscc": verdict["uscc"],
                      "status": verdict["status"], "errors": verdict["errors"],
                      "warnings": verdict["warnings"], "messages": [e["zh"] for e in errors]}
            if asks:
                result["detail_errors"] = [
                    {"table": e["table"], "column": e["column"], "message": e["zh"],
                     "index": e["sheet_row"] - 1 if e["sheet_row"] is not None else None}
                    for e in errors if "table" in e]
            results.append(result)
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
                            details: {$ref: '#/components/schemas/RecordDetails'}
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
             "warnings": (s.warning_rules or "").split(), "details": _details_of(s)}
            for s in records])


def _details_of(submission: Submission) -> dict:
    """The record's detail rows as the POST takes them: the row keys in the tables' order
    (the stored uid, which names a row for its evidence files, kept as ``uid``)."""
    shown = {}
    for key, rows in (submission.details or {}).items():
        if key in D.TABLES:
            shown[key] = [{"uid": row.get("uid"), **{k: row.get(k) for k in D.TABLES[key].keys}}
                          for row in rows or []]
    return shown
