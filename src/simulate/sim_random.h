// SimRandom: the simulator's only source of randomness, a self-contained xoshiro256** generator seeded through
// splitmix64. Every draw is defined here (no std::uniform_*_distribution, whose output differs between standard
// library versions), so one seed gives byte-identical datasets on every platform and compiler.
// Not thread-safe: each generator belongs to one caller; derive independent streams with fork().
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace trawl::simulate {

inline uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// A stable 64-bit hash of text (FNV-1a folded through splitmix64), used to derive per-name values such as the
// fake file hashes of an executable, identical on every host that runs it.
inline uint64_t stable_hash(std::string_view s, uint64_t salt = 0) {
  uint64_t h = 0xCBF29CE484222325ULL ^ salt;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001B3ULL;
  return splitmix64(h);
}

class SimRandom {
 public:
  explicit SimRandom(uint64_t seed) {
    uint64_t s = seed;
    for (auto& w : s_) w = splitmix64(s);
  }
  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n); n == 0 gives 0. Multiply-shift (Lemire) without the rejection step: the bias is below
  // 2^-32 for the small ranges the simulator draws, and the output stays a pure function of the state.
  uint64_t below(uint64_t n) {
    if (n == 0) return 0;
    return static_cast<uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }
  // Uniform in [lo, hi] (inclusive); hi < lo gives lo.
  int64_t range(int64_t lo, int64_t hi) {
    if (hi <= lo) return lo;
    return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo) + 1));
  }
  // Uniform in [0, 1).
  double unit() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
  bool chance(double p) { return unit() < p; }
  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[below(v.size())];
  }
  // An independent generator whose stream depends on this one's state and `salt`.
  SimRandom fork(uint64_t salt) { return SimRandom(next() ^ (salt * 0xD1B54A32D192ED03ULL)); }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace trawl::simulate
