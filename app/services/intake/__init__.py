"""How data enters (SPEC §4): reporting activities and their settings (`activities`), the
enterprise's report (`reporting`), batch upload (`batch`, with the template and failure report
in `workbook`), third-party prefill (`third_party`). `_batch_store` writes an upload's rows and
is this package's own."""
