"""Technology finance (SPEC §9): financing needs kept current after submission (`needs`),
recommendation lists, bank outcomes and loans counted once each (`recommendations`)."""
