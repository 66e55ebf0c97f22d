#include "analytics/net/beacon_score.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace trawl::net {

namespace {
double round3(double v) { return std::round(v * 1000.0) / 1000.0; }
double clamp01(double v) { return v < 0 ? 0 : (v > 1 ? 1 : v); }
double median_range(const std::vector<double>& s, size_t b, size_t e) {
  size_t n = e - b;
  if (n == 0) return 0;
  if (n % 2) return s[b + n / 2];
  return (s[b + n / 2 - 1] + s[b + n / 2]) / 2.0;
}
}  // namespace

double median_sorted(const std::vector<double>& s) { return median_range(s, 0, s.size()); }

Quartiles quartiles_sorted(const std::vector<double>& s) {
  Quartiles q;
  size_t n = s.size();
  if (n == 0) return q;
  size_t c1 = n / 2;
  size_t c2 = (n % 2 == 0) ? n / 2 : n / 2 + 1;
  q.q1 = median_range(s, 0, c1 == 0 ? 1 : c1);
  q.q2 = median_range(s, 0, n);
  q.q3 = median_range(s, c2 >= n ? n - 1 : c2, n);
  return q;
}

StatisticalScore statistical_score(const std::vector<double>& sorted, double default_mad_score, double min_median) {
  StatisticalScore r;
  if (sorted.size() < 3) return r;
  Quartiles q = quartiles_sorted(sorted);
  double num = q.q1 + q.q3 - 2 * q.q2;
  double den = q.q3 - q.q1;
  if (den >= 10 && q.q2 != q.q1 && q.q2 != q.q3) r.skew = num / den;
  double skew_score = 1.0 - std::fabs(r.skew);
  double med = q.q2;
  std::vector<double> dev(sorted.size());
  for (size_t i = 0; i < sorted.size(); ++i) dev[i] = std::fabs(sorted[i] - med);
  std::sort(dev.begin(), dev.end());
  r.mad = median_sorted(dev);
  double mad_score = default_mad_score;
  if (med >= min_median && med > 0) mad_score = (med - r.mad) / med;
  if (mad_score < 0 || std::isnan(mad_score)) mad_score = 0;
  r.score = round3((skew_score + mad_score) / 2.0);
  return r;
}

TimestampScore timestamp_score(const std::vector<double>& ts) {
  TimestampScore r;
  if (ts.size() < 4) return r;
  std::vector<double> deltas;
  deltas.reserve(ts.size() - 1);
  for (size_t i = 0; i + 1 < ts.size(); ++i) {
    double d = ts[i + 1] - ts[i];
    if (d > 0) deltas.push_back(d);
  }
  if (deltas.size() < 3) return r;
  std::sort(deltas.begin(), deltas.end());
  r.stat = statistical_score(deltas, 1.0, 1e-6);
  r.ok = true;
  return r;
}

DataSizeScore data_size_score(std::vector<double> sizes) {
  DataSizeScore r;
  if (sizes.size() < 3) return r;
  std::sort(sizes.begin(), sizes.end());
  r.stat = statistical_score(sizes, 0.0);
  r.ok = true;
  return r;
}

HistogramScore histogram_score(double dmin, double dmax, const std::vector<double>& ts, const HistogramParams& p) {
  HistogramScore h;
  int nb = p.bins > 0 ? p.bins : 24;
  h.bins.assign(size_t(nb), 0);
  if (ts.empty() || !(dmax > dmin)) return h;
  double step = (dmax - dmin) / nb;
  for (double t : ts) {
    long b = long(std::floor((t - dmin) / step));
    if (b < 0) b = 0;
    if (b >= nb) b = nb - 1;
    h.bins[size_t(b)]++;
  }
  int largest = 0;
  for (int c : h.bins) {
    if (c > 0) ++h.total_bars;
    largest = std::max(largest, c);
  }
  // Frequency counts of bar heights, grouped into bins of mode_sensitivity * tallest bar.
  double bin_size = std::ceil(largest * p.mode_sensitivity);
  if (bin_size < 1) bin_size = 1;
  std::map<long, int> freq;
  int run = 0;
  for (int i = 0; i < nb * 2; ++i) {
    int f = h.bins[size_t(i % nb)];
    if (f > 0) {
      ++run;
    } else {
      h.longest_run = std::max(h.longest_run, run);
      run = 0;
    }
    if (i < nb && f > 0) freq[long(std::floor(f / bin_size) * bin_size)]++;
  }
  h.longest_run = std::min(std::max(h.longest_run, run), nb);
  // Coefficient of variation of the bars.
  double total = 0;
  for (int c : h.bins) total += c;
  double mean = total / nb;
  double sd = 0;
  for (int c : h.bins) sd += (c - mean) * (c - mean);
  sd = std::sqrt(sd / nb);
  double cv = mean > 0 ? sd / mean : 1e9;
  h.cv_score = cv > 1.0 ? 0.0 : std::min(1.0, round3(1.0 - cv));
  // Bimodal fit: share of bars in the two most common height bins (one outlier bar forgiven).
  int min_hours = p.bimodal_min_hours < 6 ? 11 : p.bimodal_min_hours;
  if (h.total_bars >= min_hours) {
    int l1 = 0, l2 = 0;
    for (auto& [k, v] : freq) {
      if (v > l1) {
        l2 = l1;
        l1 = v;
      } else if (v > l2) {
        l2 = v;
      }
    }
    double adj = std::max(double(h.total_bars - p.bimodal_outlier_removal), 1.0);
    h.bimodal_score = std::min(1.0, round3((l1 + l2) / adj));
  }
  h.score = std::max(h.cv_score, h.bimodal_score);
  return h;
}

DurationScore duration_score(double dmin, double dmax, double first, double last, int total_bars, int longest_run,
                             int min_hours, int ideal) {
  DurationScore d;
  if (min_hours < 1 || ideal < 1 || !(dmax > dmin) || !(last > first)) return d;
  if (total_bars >= min_hours) {
    d.coverage = std::min(1.0, std::ceil(((last - first) / (dmax - dmin)) * 1000) / 1000);
    d.consistency = std::min(1.0, std::ceil((double(longest_run) / ideal) * 1000) / 1000);
    d.score = std::max(d.coverage, d.consistency);
  }
  return d;
}

double combine_beacon_score(double ts, double ds, double dur, double hist, const BeaconWeights& w) {
  return round3(clamp01(ts) * w.ts + clamp01(ds) * w.ds + clamp01(dur) * w.dur + clamp01(hist) * w.hist);
}

}  // namespace trawl::net
