"""Review (SPEC §8): `workflow` is the only code that changes a status — review actions on
one or many records, bulk moves, duplicates, revocation, reopening — and `letters` makes and
files the submission letter (报送函). `doubts` checks and lists the detail rows a return marks
存疑 and the rows changed since a return; `missing_files` counts the required evidence files
records lack (for the lists) and tells enterprises to add them (请补充佐证材料)."""
