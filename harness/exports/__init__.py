"""A stored run written in other tools' formats: TREC run files (trec_eval, ranx,
ir_measures) and MTEB result JSON. Reads the store (and, for qrels, the datasets); writes
nothing back into the run folder. mteb_model.py: a harness configuration as an mteb search
model, for mteb.evaluate."""
