#include "store/history_store.h"
// Placeholder; being implemented.
