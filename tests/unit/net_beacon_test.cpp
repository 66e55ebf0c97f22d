// Beacon sub-scores: RITA v5's published examples (activecm/rita analysis/beacons_test.go) reproduced, plus
// the histogram and duration scores on hand-computed cases.
#include <gtest/gtest.h>

#include "analytics/net/beacon_score.h"

namespace trawl::net {
namespace {

std::vector<double> v(std::initializer_list<double> x) { return std::vector<double>(x); }

TEST(NetBeaconScore, CombineMatchesRitaExamples) {
  EXPECT_NEAR(combine_beacon_score(0.8, 0.7, 0.6, 0.5, {0.2, 0.2, 0.3, 0.3}), 0.63, 0.001);
  EXPECT_NEAR(combine_beacon_score(1, 1, 1, 1, {0.25, 0.25, 0.25, 0.25}), 1.0, 0.001);
  EXPECT_NEAR(combine_beacon_score(0.1, 0.2, 0.3, 0.4, {0.25, 0.25, 0.25, 0.25}), 0.25, 0.001);
  EXPECT_NEAR(combine_beacon_score(0.1, 0.2, 0.3, 0.4, {0.1, 0.2, 0.3, 0.4}), 0.30, 0.001);
  EXPECT_NEAR(combine_beacon_score(0.111, 0.222, 0.333, 0.444, {0.173, 0.325, 0.299, 0.203}), 0.281, 0.001);
  EXPECT_NEAR(combine_beacon_score(0.25, 1, 1, 1, {1, 0, 0, 0}), 0.25, 0.001);
}

TEST(NetBeaconScore, QuartilesExcludeTheMedian) {
  Quartiles q = quartiles_sorted(v({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  EXPECT_DOUBLE_EQ(q.q1, 3);
  EXPECT_DOUBLE_EQ(q.q2, 5.5);
  EXPECT_DOUBLE_EQ(q.q3, 8);
  q = quartiles_sorted(v({1, 2, 25, 42, 90, 299, 500, 1500, 4975}));
  EXPECT_DOUBLE_EQ(q.q1, 13.5);
  EXPECT_DOUBLE_EQ(q.q2, 90);
  EXPECT_DOUBLE_EQ(q.q3, 1000);
}

TEST(NetBeaconScore, TimestampScoreMatchesRitaExamples) {
  auto ts = timestamp_score(v({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  ASSERT_TRUE(ts.ok);
  EXPECT_NEAR(ts.stat.score, 1.0, 0.001);
  EXPECT_NEAR(ts.stat.mad, 0, 0.001);
  ts = timestamp_score(v({1517338924, 1517339022, 1517339121, 1517339220, 1517339320, 1517339420, 1517339520,
                          1517339621, 1517339722, 1517339824}));  // closely-valued intervals
  EXPECT_NEAR(ts.stat.score, 0.995, 0.001);
  EXPECT_NEAR(ts.stat.mad, 1, 0.001);
  ts = timestamp_score(v({1517338924, 1517339022, 1517339322, 1517339420, 1517339720, 1517339818, 1517340118,
                          1517340216, 1517340516, 1517340614, 1517340914}));  // bimodal intervals
  EXPECT_NEAR(ts.stat.skew, 0, 0.001);
  EXPECT_NEAR(ts.stat.mad, 101, 0.001);
  EXPECT_NEAR(ts.stat.score, 0.746, 0.001);
  ts = timestamp_score(v({1517338924, 1517338925, 1517339224, 1517339249, 1517344224, 1517344314, 1517344316,
                          1517344358, 1517344858, 1517346358}));  // random intervals
  EXPECT_NEAR(ts.stat.skew, 0.845, 0.001);
  EXPECT_NEAR(ts.stat.mad, 89, 0.001);
  EXPECT_NEAR(ts.stat.score, 0.083, 0.001);
  EXPECT_FALSE(timestamp_score(v({60, 60, 60, 60, 60, 60, 60, 60, 60})).ok);  // < 3 non-zero intervals
  EXPECT_FALSE(timestamp_score(v({1517338924, 1517338925})).ok);
  EXPECT_FALSE(timestamp_score({}).ok);
}

TEST(NetBeaconScore, FractionalIntervalsKeepTheirDispersion) {
  // Sub-second C2 loops: with whole seconds every interval would be 0; with fractions the MAD still counts.
  auto steady = timestamp_score(v({0, 0.4, 0.8, 1.2, 1.6, 2.0, 2.4}));
  EXPECT_NEAR(steady.stat.score, 1.0, 0.001);
  auto jittery = timestamp_score(v({0, 0.1, 0.9, 1.0, 1.8, 1.9, 2.7}));
  EXPECT_LT(jittery.stat.score, 0.8);
}

TEST(NetBeaconScore, DataSizeScoreMatchesRitaExamples) {
  auto ds = data_size_score(v({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  ASSERT_TRUE(ds.ok);
  EXPECT_NEAR(ds.stat.skew, 0, 0.001);
  EXPECT_NEAR(ds.stat.mad, 2.5, 0.001);
  EXPECT_NEAR(ds.stat.score, 0.773, 0.001);
  ds = data_size_score(v({60, 60, 60, 60, 60, 60, 60, 60, 60}));
  EXPECT_NEAR(ds.stat.score, 1.0, 0.001);
  ds = data_size_score(v({98, 99, 99, 100, 100, 100, 101, 101, 102}));
  EXPECT_NEAR(ds.stat.mad, 1, 0.001);
  EXPECT_NEAR(ds.stat.score, 0.995, 0.001);
  // All-zero sizes: median < 1, the MAD part falls back to 0 (RITA).
  EXPECT_NEAR(data_size_score(v({0, 0, 0, 0})).stat.score, 0.5, 0.001);
  EXPECT_FALSE(data_size_score(v({1, 2})).ok);
}

TEST(NetBeaconScore, HistogramFlatBimodalAndBursty) {
  HistogramParams p;
  std::vector<double> flat;
  for (int h = 0; h < 24; ++h)
    for (int k = 0; k < 10; ++k) flat.push_back(h * 3600.0 + k * 360.0);
  auto h = histogram_score(0, 86400, flat, p);
  EXPECT_EQ(h.total_bars, 24);
  EXPECT_EQ(h.longest_run, 24);
  EXPECT_NEAR(h.cv_score, 1.0, 0.001);
  EXPECT_NEAR(h.score, 1.0, 0.001);
  // Alternating 10 / 30 connections an hour: CV 0.5, but a perfect bimodal fit.
  std::vector<double> bi;
  for (int hr = 0; hr < 24; ++hr)
    for (int k = 0; k < (hr % 2 ? 30 : 10); ++k) bi.push_back(hr * 3600.0 + k * 100.0);
  h = histogram_score(0, 86400, bi, p);
  EXPECT_NEAR(h.cv_score, 0.5, 0.001);
  EXPECT_NEAR(h.bimodal_score, 1.0, 0.001);  // 24 bars in 2 modes / (24 - 1) capped at 1
  // Everything in one hour: no flatness at all.
  std::vector<double> burst;
  for (int k = 0; k < 100; ++k) burst.push_back(5 * 3600.0 + k);
  h = histogram_score(0, 86400, burst, p);
  EXPECT_EQ(h.total_bars, 1);
  EXPECT_EQ(h.score, 0.0);
  // Wrap-around run: hours 20-23 and 0-3 form one run of 8.
  std::vector<double> wrap;
  for (int hr : {0, 1, 2, 3, 20, 21, 22, 23}) wrap.push_back(hr * 3600.0 + 10);
  EXPECT_EQ(histogram_score(0, 86400, wrap, p).longest_run, 8);
}

TEST(NetBeaconScore, DurationCoverageAndConsistency) {
  auto d = duration_score(0, 86400, 0, 86400, 24, 24);
  EXPECT_NEAR(d.score, 1.0, 0.001);
  d = duration_score(0, 86400, 0, 43200, 12, 6);  // half the day covered, 6 consecutive hours
  EXPECT_NEAR(d.coverage, 0.5, 0.001);
  EXPECT_NEAR(d.consistency, 0.5, 0.001);
  EXPECT_NEAR(d.score, 0.5, 0.001);
  EXPECT_EQ(duration_score(0, 86400, 0, 86400, 5, 5).score, 0.0);  // fewer than 6 hours seen
  EXPECT_EQ(duration_score(10, 10, 0, 1, 24, 24).score, 0.0);      // invalid range
}

}  // namespace
}  // namespace trawl::net
