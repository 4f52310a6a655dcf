"""Bridges to other tools (EMA Workbench, Mesa's SolaraViz); optional extras."""
