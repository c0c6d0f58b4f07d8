"""Analysis layer: scoring videos with SpeedNet and the score cache (docs/architecture.md, "Scores and the plan")."""
