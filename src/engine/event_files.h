// Reads the events of one log file (EVTX or JSON logs, chosen by content) through the ingest decoders, for the
// tools of the Sigma engine that work file by file: `trawl rules test` (regression tests), the differential
// test and the benchmark. Single-threaded, in file order. The events passed to `fn` are valid only during
// the call.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/diagnostic.h"
#include "core/event.h"
#include "core/status.h"

namespace trawl {

// Calls fn for every live event of the file. Fails when the file cannot be read or is neither EVTX nor JSON;
// damage inside the file is appended to *diags (when given) and the rest is still read.
Status for_each_event_in_file(const std::string& path, const std::function<void(const Event&)>& fn,
                              std::vector<Diagnostic>* diags = nullptr);

}  // namespace trawl
