#include "discovery/discovery.h"
// Placeholder; being implemented.
