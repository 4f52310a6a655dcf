"""What a run is made from: the scenario language, roster, events, treaties, sanctions,
the parameter registry, and the compile step that turns them into a world."""
