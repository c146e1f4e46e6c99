"""What every HTTP adapter shares: problem+json, request dependencies, body limits."""
