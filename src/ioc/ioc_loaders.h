// The IOC list loaders (plain text, LOKI filename lists, CSV/TSV/Markdown tables, STIX 2.1, MISP JSON) and
// the context they report through. Internal to src/ioc. Every loader reads untrusted bytes: it never throws,
// counts each entry exactly once as accepted, duplicate or rejected (with "path:line: why"), and carries on.
#pragma once

#include <string>
#include <string_view>

#include "ioc/ioc.h"

namespace trawl::ioc {

class LoadContext {
 public:
  LoadContext(IocSetBuilder* b, const IocLoadOptions* opt, IocLoadReport* rep, std::string_view name)
      : b_(b), opt_(opt), rep_(rep), name_(name) {}
  const IocLoadOptions& opt() const { return *opt_; }
  std::string_view name() const { return name_; }
  void reject(uint32_t line, std::string_view why);
  void note(uint32_t line, std::string_view what);
  // Adds one typed value. `generic_domain`: the type came from inference or a generic "domain" name, so
  // IocLoadOptions::domain_subdomains decides between kDomain and kDomainTree. `source` empty: the file.
  void add(IocType type, bool generic_domain, std::string_view value, std::string_view label, uint32_t line,
           Level level, std::string_view source = {});
  // Infers the type, then adds; rejects with the reason when the value is not an indicator.
  void add_inferred(std::string_view value, std::string_view label, uint32_t line, Level level);
  // Type by name (CSV type column, MISP type), with the domain default applied. False when unknown.
  bool type_from_name(std::string_view name, IocType* type, bool* generic_domain) const;

 private:
  std::string where(uint32_t line) const;
  bool generic_domain_default(IocType t) const;
  IocSetBuilder* b_;
  const IocLoadOptions* opt_;
  IocLoadReport* rep_;
  std::string name_;
};

IocFormat detect_format(std::string_view content, std::string_view name);
void load_text(std::string_view content, LoadContext& cx);
void load_loki_filename(std::string_view content, LoadContext& cx);
void load_csv(std::string_view content, LoadContext& cx);
void load_stix(std::string_view content, LoadContext& cx);
void load_misp(std::string_view content, LoadContext& cx);

// Splits `content` into lines (LF or CRLF); calls fn(line_number, line_without_eol).
template <class Fn>
void for_each_line(std::string_view content, Fn fn) {
  uint32_t n = 0;
  size_t pos = 0;
  while (pos < content.size()) {
    size_t nl = content.find('\n', pos);
    size_t end = nl == std::string_view::npos ? content.size() : nl;
    std::string_view line = content.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    fn(++n, line);
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
}

}  // namespace trawl::ioc
