#pragma once
// Dispatch-order changes asked for by pytest's cache options, applied to a finished plan.

#include <functional>
#include <string>
#include <vector>

#include "scheduler/plan.h"

namespace fastest::scheduler {

/// Stable reorder of `plan.batches` by `key` (lower first); batches of equal key keep their
/// planned (LPT or file) order. Used for --ff (batches holding last failures first) and
/// --nf (batches with new tests first, then newest files). The predicted makespan is
/// recomputed for the new order on `workers`.
void reorder_batches(Plan& plan, const std::function<double(const Batch&)>& key, int workers);

}  // namespace fastest::scheduler
