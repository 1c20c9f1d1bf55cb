"""A stored run written in other tools' formats: TREC run files (trec_eval, ranx,
ir_measures), MTEB result JSON and ann-benchmarks HDF5 files. Reads the store (and the
datasets, for qrels; the embedding cache, for ann-benchmarks' vectors); writes nothing back
into the run folder. mteb_model.py: a harness configuration as an mteb search model, for
mteb.evaluate."""
