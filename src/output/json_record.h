// Internal to src/output: the raw-pointer writers behind append_detection_json / append_fields_json (sink.h),
// used directly by the JSONL and CSV sinks. Each *_bound() is a worst case for the matching writer: reserve
// that much (ByteBuffer::room), write, commit. Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/detection.h"
#include "core/time.h"

namespace trawl::output {

using FieldList = std::vector<std::pair<std::string, std::string>>;

size_t fields_json_bound(const FieldList& fields);
char* write_fields_json(char* p, const FieldList& fields);
// The same object with every '"' doubled, to sit inside a quoted CSV cell (same bound).
char* write_fields_json_csv(char* p, const FieldList& fields);
size_t detection_json_bound(const Detection& d);
char* write_detection_json(char* p, const Detection& d);

// "2019-03-19T23:35:40.123456Z" without printf: core's writer (core/time.h), named here for the record writers.
using trawl::kTimeTextSize;
using trawl::write_time_us;
// Decimal digits of v (at most 20 bytes).
char* write_uint(char* p, uint64_t v);

}  // namespace trawl::output
