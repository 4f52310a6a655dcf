"""Action codes as plain integers, for compiled code (the enums of `sim.core.actions`)."""

from sim.core.actions import Dyadic, TheatreAction

DISTANCE, HEDGE, MAINTAIN, DEEPEN, ARMS, COVER, SANCTION = (int(a) for a in Dyadic)
T_WITHDRAW, T_RESTRAIN, T_SUPPORT, T_INTERVENE, T_MEDIATE = (int(a) for a in TheatreAction)
