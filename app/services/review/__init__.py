"""Review (SPEC §8): `workflow` is the only code that changes a status — review actions on
one or many records, bulk moves, duplicates, revocation, reopening — and `letters` makes and
files the submission letter (报送函)."""
