"""One enterprise record: the field registry (`fields`), typed values from what was typed or
uploaded (`normalize`), the rules (`rules`) and the validator that runs them (`validation`),
the SME size standard (`sme`), USCC check digits (`uscc`), near-copies (`similarity`), entry
channels and generated records (`synthetic`)."""
