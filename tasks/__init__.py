"""The task engine: task kinds, batches, assignment, answers, quality and export."""
