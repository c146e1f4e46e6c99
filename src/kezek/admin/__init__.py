"""Actions that change what every feature stands on, such as loading the office network."""
