"""The authors' harness: submissions as data, batches graded through the grading path, catalogs of mistakes."""
