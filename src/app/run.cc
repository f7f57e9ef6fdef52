// Placeholder; being implemented.
