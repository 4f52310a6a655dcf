"""Reading runs: explanations, comparisons, sensitivity, calibration, blocs."""
