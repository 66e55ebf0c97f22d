// answer_check: scoring hand-made detections against a hand-made answer key.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/time.h"
#include "simulate/answer_check.h"

using namespace trawl;
using namespace trawl::simulate;

namespace {

const char* kKey = R"({
 "generator":"trawl simulate","format_version":1,"seed":1,
 "start":"2019-03-01T00:00:00.000000Z","end":"2019-03-04T00:00:00.000000Z",
 "tenants":[],"indicators":{},
 "steps":[
  {"id":"S01","name":"lateral","tactic":"lateral-movement","technique":"T1021.002","techniques":["T1021.002"],
   "description":"x","tenant":"client01","tenants":["msp","client01"],
   "hosts":["JUMP01.msp.local","FS01.client01.local"],"host_ips":["10.1.0.11","10.21.1.11"],
   "accounts":["MSP\\admin.jdoe"],"start":"2019-03-02T00:12:00.000000Z","end":"2019-03-02T00:31:00.000000Z",
   "evidence":[]},
  {"id":"S02","name":"tasks","tactic":"execution","technique":"T1053.005","techniques":["T1053.005"],
   "description":"y","tenant":"client02","tenants":["client02"],"hosts":["FS01.client02.local"],"host_ips":[],
   "accounts":[],"start":"2019-03-02T01:45:00.000000Z","end":"2019-03-02T01:51:00.000000Z","evidence":[]}
 ],
 "benign":[
  {"id":"B02","name":"rmm","description":"z","looks_like":[],"tenants":["client01","client02"],
   "hosts":["FS01.client01.local","DC01.client02.local"],"host_ips":["10.21.1.11"],"accounts":["MSP\\svc_rmm"],
   "windows":[{"start":"2019-03-01T09:00:00.000000Z","end":"2019-03-01T09:05:00.000000Z"},
              {"start":"2019-03-01T08:00:00.000000Z","end":"2019-03-01T08:05:00.000000Z"}]}
 ]})";

Detection det(const char* tenant, const char* host, const char* time, Level level = Level::kHigh) {
  Detection d;
  d.tenant = tenant;
  d.host = host;
  d.time_us = *parse_time(time);
  d.level = level;
  d.rule_id = "test";
  return d;
}

}  // namespace

TEST(SimulateAnswerCheck, ParsesKey) {
  auto key = parse_answer_key(kKey);
  ASSERT_TRUE(key.ok()) << key.status().message();
  ASSERT_EQ(key->steps.size(), 2u);
  EXPECT_EQ(key->steps[0].tenants, (std::vector<std::string>{"msp", "client01"}));
  EXPECT_EQ(key->steps[0].accounts[0], "MSP\\admin.jdoe");
  ASSERT_EQ(key->benign.size(), 1u);
  ASSERT_EQ(key->benign[0].windows.size(), 2u);
  EXPECT_LT(key->benign[0].windows[0].start, key->benign[0].windows[1].start);  // sorted
}

TEST(SimulateAnswerCheck, RejectsBrokenKeys) {
  EXPECT_FALSE(parse_answer_key("").ok());
  EXPECT_FALSE(parse_answer_key("[1,2]").ok());
  EXPECT_FALSE(parse_answer_key("{\"start\":\"2019-03-01T00:00:00Z\"}").ok());
  std::string bad_time = kKey;
  bad_time.replace(bad_time.find("2019-03-02T00:12:00.000000Z"), 27, "yesterday");
  auto r = parse_answer_key(bad_time);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("steps[0]"), std::string::npos) << r.status().message();
  std::string reversed = kKey;
  reversed.replace(reversed.find("2019-03-02T00:31:00.000000Z"), 27, "2019-03-02T00:00:00.000000Z");
  EXPECT_FALSE(parse_answer_key(reversed).ok());
}

TEST(SimulateAnswerCheck, TruncatedOrDamagedKeysAreErrorsNotCrashes) {
  const std::string key = kKey;
  for (size_t n = 0; n + 1 < key.size(); n += 3) EXPECT_FALSE(parse_answer_key(key.substr(0, n)).ok()) << n;
  std::string damaged = key;
  for (size_t i = 7; i < damaged.size(); i += 11) damaged[i] = char(0xFF);
  EXPECT_FALSE(parse_answer_key(damaged).ok());
  EXPECT_FALSE(load_answer_key("/nonexistent/answers.json").ok());
}

TEST(SimulateAnswerCheck, CoverageNeedsTenantWindowAndHost) {
  auto key = parse_answer_key(kKey);
  ASSERT_TRUE(key.ok());
  std::vector<Detection> d = {
      det("client01", "FS01.client01.local", "2019-03-02T00:15:00Z"),  // 0: S01 by FQDN
      det("msp", "jump01", "2019-03-02T00:12:00Z"),                     // 1: S01 by short name, at the start
      det("client03", "FS01.client01.local", "2019-03-02T00:15:00Z"),  // 2: wrong tenant
      det("client01", "FS01.client01.local", "2019-03-02T00:31:01Z"),  // 3: one second late
      det("client01", "WS07.client01.local", "2019-03-02T00:20:00Z"),  // 4: host not in the step
      det("client01", "10.21.1.11", "2019-03-02T00:20:00Z"),           // 5: host given as the step's IP
      det("client01", "", "2019-03-02T00:20:00Z"),                     // 6: no host: tenant and time decide
  };
  AnswerCheckReport r = check_answers(*key, d);
  ASSERT_EQ(r.steps.size(), 2u);
  EXPECT_EQ(r.steps[0].detections, (std::vector<size_t>{0, 1, 5, 6}));
  EXPECT_FALSE(r.steps[1].covered());
  EXPECT_EQ(r.covered_count(), 1u);
  EXPECT_FALSE(r.all_covered());
  EXPECT_NE(r.summary().find("S02 T1053.005: MISSED"), std::string::npos) << r.summary();
  // Slack widens the window: the late detection now counts.
  AnswerCheckOptions o;
  o.slack_us = 2 * 1000000;
  EXPECT_EQ(check_answers(*key, d, o).steps[0].detections, (std::vector<size_t>{0, 1, 3, 5, 6}));
  EXPECT_TRUE(detection_in_step(d[0], key->steps[0]));
  EXPECT_FALSE(detection_in_step(d[2], key->steps[0]));
}

TEST(SimulateAnswerCheck, NoisyDetectionsOnBenignActivity) {
  auto key = parse_answer_key(kKey);
  ASSERT_TRUE(key.ok());
  std::vector<Detection> d = {
      det("client01", "FS01.client01.local", "2019-03-01T09:03:00Z", Level::kCritical),  // 0: benign hit
      det("client01", "FS01.client01.local", "2019-03-01T08:01:00Z", Level::kHigh),      // 1: benign hit (2nd window)
      det("client01", "FS01.client01.local", "2019-03-01T09:03:00Z", Level::kMedium),    // 2: below the bar
      det("client01", "FS01.client01.local", "2019-03-01T12:00:00Z", Level::kHigh),      // 3: outside windows
      det("client02", "FS01.client02.local", "2019-03-02T01:46:00Z", Level::kHigh),      // 4: true positive (S02)
      det("client02", "WS01.client02.local", "2019-03-01T09:01:00Z", Level::kHigh),      // 5: host not in benign
      det("client01", "10.21.1.11", "2019-03-01T09:04:00Z", Level::kHigh),               // 6: benign host by IP
  };
  AnswerCheckReport r = check_answers(*key, d);
  ASSERT_EQ(r.benign_hits.size(), 3u);
  EXPECT_EQ(r.benign_hits[0].benign_id, "B02");
  EXPECT_EQ(r.benign_hits[0].detection, 0u);
  EXPECT_EQ(r.benign_hits[1].detection, 1u);
  EXPECT_EQ(r.benign_hits[2].detection, 6u);
  EXPECT_EQ(r.unexplained, (std::vector<size_t>{3, 5}));
  EXPECT_TRUE(r.steps[1].covered());
  AnswerCheckOptions o;
  o.noisy_level = Level::kCritical;
  AnswerCheckReport c = check_answers(*key, d, o);
  ASSERT_EQ(c.benign_hits.size(), 1u);  // only the critical one
  EXPECT_TRUE(c.unexplained.empty());
}

TEST(SimulateAnswerCheck, DetectionWithoutTimeMatchesNothing) {
  auto key = parse_answer_key(kKey);
  ASSERT_TRUE(key.ok());
  Detection d = det("client01", "FS01.client01.local", "2019-03-02T00:15:00Z");
  d.time_us = kNoTime;
  AnswerCheckReport r = check_answers(*key, {d});
  EXPECT_EQ(r.covered_count(), 0u);
  EXPECT_EQ(r.unexplained, (std::vector<size_t>{0}));
}
