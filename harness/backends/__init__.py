"""Index backends: exact search and ANN libraries behind one interface."""
