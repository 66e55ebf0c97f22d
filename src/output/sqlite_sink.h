// The SQLite case database written by `trawl hunt --db FILE` (make_sqlite_sink in output/sink.h) and read by
// people in the `sqlite3` shell and by `trawl serve`. Each run appends one `runs` row and its detections, all
// in ONE transaction (a crash or an error leaves the database as it was before the run). Not thread-safe: one
// sink per database file at a time (a second writer waits up to 5 s for the lock, then fails).
//
// Schema (PRAGMA user_version = 1):
//   runs(id, started TEXT ISO, finished TEXT ISO, command_line, version, inputs JSON array, rule_count,
//        ioc_count, detections INTEGER, stats JSON object — see append_stats_json)
//   detections(id, run_id -> runs.id, timestamp TEXT ISO "2019-03-19T23:35:40.123456Z" or NULL, time_us INTEGER
//        or NULL, tenant, host, kind, rule_id, title, level TEXT, level_rank INTEGER 0 informational .. 4
//        critical, tags JSON array, source_path, record_id INTEGER, fields JSON object = the event, exactly as
//        in the JSONL record: repeated field names hold an array)
//   diagnostics(run_id, severity, path, offset, line_based, message)
// Indexes: detections by (tenant, level_rank), host, rule_id, timestamp, level_rank, run_id.
//
// Detections per tenant and level (kDetectionsPerTenantAndLevel below, tested as written):
//   SELECT tenant, level, count(*) AS detections FROM detections
//   GROUP BY tenant, level_rank, level ORDER BY tenant, level_rank DESC;
// More questions a responder asks:
//   -- the newest run only:      ... WHERE run_id = (SELECT max(id) FROM runs)
//   -- command lines on a host:  SELECT timestamp, title, json_extract(fields, '$.CommandLine')
//                                FROM detections WHERE host = 'WS01.acme.local' ORDER BY timestamp;
//   -- by ATT&CK tag:            SELECT d.tenant, t.value AS tag, count(*) FROM detections d, json_each(d.tags) t
//                                GROUP BY 1, 2 ORDER BY 3 DESC;
#pragma once

namespace trawl {

inline constexpr const char* kDetectionsPerTenantAndLevel =
    "SELECT tenant, level, count(*) AS detections FROM detections "
    "GROUP BY tenant, level_rank, level ORDER BY tenant, level_rank DESC;";

}  // namespace trawl
