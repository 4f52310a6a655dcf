"""Running the dynamics: the Mesa model, batched ensembles, cones, sweeps, records and
result files."""
