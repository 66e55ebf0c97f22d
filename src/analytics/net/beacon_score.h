// Beacon scoring, the RITA v5 approach (activecm/rita, analysis/beacons.go), reimplemented from its published
// definitions: a pair's connection timestamps and data sizes are scored for regularity (Bowley skewness and
// the median absolute deviation about the median), its connection counts over 24 bins of the dataset's time
// range for flatness (coefficient of variation, or a bimodal fit), and its time coverage/consistency (duration
// score). The four sub-scores (each in [0,1]) are combined with weights into the beacon score.
// One difference: timestamps are seconds with a fraction (centisecond resolution), not whole seconds, so that
// fast C2 loops (callbacks every 0.4-3 s, as in the Mordor APT29 data) keep non-zero intervals.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <vector>

namespace trawl::net {

struct Quartiles {
  double q1 = 0, q2 = 0, q3 = 0;
};
// Quartiles of sorted data by the "exclude the median" method (the one RITA's statistics library uses):
// Q1 = median of the lower n/2 values, Q3 = median of the upper n/2. Needs n >= 2... callers pass n >= 3.
Quartiles quartiles_sorted(const std::vector<double>& sorted);
double median_sorted(const std::vector<double>& sorted);

struct StatisticalScore {
  double score = 0;  // round(((1 - |skew|) + mad_score) / 2, 3 decimals)
  double skew = 0;   // Bowley skewness; 0 when IQR < 10 or the median equals a quartile
  double mad = 0;    // median absolute deviation about the median
};
// `sorted` must be sorted ascending and hold at least 3 values. default_mad_score is used when the median is
// below min_median (RITA: 1, meaningful for whole seconds and bytes; timestamps here pass a tiny value because
// their intervals have a fraction, which for whole-second data gives the same result).
StatisticalScore statistical_score(const std::vector<double>& sorted, double default_mad_score, double min_median = 1.0);

struct TimestampScore {
  bool ok = false;  // false with < 4 timestamps or < 3 non-zero intervals
  StatisticalScore stat;
};
// Timestamps in seconds, sorted ascending.
TimestampScore timestamp_score(const std::vector<double>& sorted_ts);

struct DataSizeScore {
  bool ok = false;  // false with < 3 sizes
  StatisticalScore stat;
};
DataSizeScore data_size_score(std::vector<double> sizes);

struct HistogramScore {
  std::vector<int> bins;  // connections per bin
  int total_bars = 0;     // non-empty bins
  int longest_run = 0;    // longest run of non-empty bins, wrapping from the end to the start
  double cv_score = 0, bimodal_score = 0;
  double score = 0;       // max(cv_score, bimodal_score)
};
struct HistogramParams {
  double mode_sensitivity = 0.05;  // bin size of the frequency histogram, as a share of the tallest bar
  int bimodal_outlier_removal = 1;
  int bimodal_min_hours = 11;
  int bins = 24;
};
// dataset_min < dataset_max (seconds); sorted_ts within (clamped into) that range.
HistogramScore histogram_score(double dataset_min, double dataset_max, const std::vector<double>& sorted_ts,
                               const HistogramParams& p);

struct DurationScore {
  double coverage = 0, consistency = 0, score = 0;
};
DurationScore duration_score(double dataset_min, double dataset_max, double first_ts, double last_ts, int total_bars,
                             int longest_run, int min_hours = 6, int ideal_consistent_hours = 12);

struct BeaconWeights {
  double ts = 0.25, ds = 0.25, dur = 0.25, hist = 0.25;
};
// Weighted sum rounded to 3 decimals; sub-scores are clamped into [0,1].
double combine_beacon_score(double ts, double ds, double dur, double hist, const BeaconWeights& w);

}  // namespace trawl::net
