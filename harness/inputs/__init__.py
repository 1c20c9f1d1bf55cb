"""What a cell reads, loaded once per run: its dataset (and corpus sample), encoder, vectors
from the embedding cache and prepared vectors (cell_inputs), for execution, the analysis's
reference points, the exports and the report's texts."""
