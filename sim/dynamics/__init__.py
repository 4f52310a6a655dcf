"""The dynamics: compiled world, state, drivers, decisions, episodes, kernels, the month."""
