"""Calibration of the free parameters to the documents' targets (`sim calibrate`).

`config` reads and checks a calibration file, `objective` scores a parameter vector on an
ensemble, `unga_loss` turns the comparison with the UN General Assembly votes (`unga`) into
a term of that loss, `fit` runs the repeated differential-evolution fits and the slices,
`report` writes the folder (report, tables, the calibrated dynamics table and scenario),
`screen` ranks the rates and weights worth fitting, and `job` ties them to a worker pool
and a staged results folder. docs/validation.md says what the calibration shows.
"""

from sim.analysis.calibration.config import Calibration, load_calibration
from sim.analysis.calibration.fit import CalibrationResult, calibrate
from sim.analysis.calibration.job import CalibrationOutcome, run_calibration

__all__ = ["Calibration", "CalibrationOutcome", "CalibrationResult", "calibrate",
           "load_calibration", "run_calibration"]
