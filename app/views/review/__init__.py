"""Review screens: the queue awaiting my review, submissions, duplicates, letters."""
