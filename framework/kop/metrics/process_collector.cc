// The standard process collector, from /proc (Linux).
#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "kop/metrics/metrics.h"

namespace kop::metrics {
namespace {

struct ProcStat {
  double utime_ticks = 0, stime_ticks = 0, start_ticks = 0, vsize = 0, rss_pages = 0;
  bool ok = false;
};

ProcStat ReadProcStat() {
  ProcStat s;
  std::ifstream in("/proc/self/stat");
  std::string line;
  if (!std::getline(in, line)) return s;
  // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return s;
  std::istringstream rest(line.substr(close + 2));
  std::vector<std::string> f;  // f[0] is field 3 (state)
  for (std::string x; rest >> x;) f.push_back(x);
  if (f.size() < 22) return s;
  s.utime_ticks = std::stod(f[11]);   // field 14
  s.stime_ticks = std::stod(f[12]);   // field 15
  s.start_ticks = std::stod(f[19]);   // field 22
  s.vsize = std::stod(f[20]);         // field 23
  s.rss_pages = std::stod(f[21]);     // field 24
  s.ok = true;
  return s;
}

double BootTime() {
  std::ifstream in("/proc/stat");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("btime ", 0) == 0) return std::stod(line.substr(6));
  }
  return 0;
}

int OpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  int n = 0;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(dir);
  return n - 1;  // the directory stream's own descriptor
}

}  // namespace

std::vector<prometheus::MetricFamily> CollectProcessMetrics() {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> out;
  const ProcStat s = ReadProcStat();
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  if (s.ok && ticks > 0) {
    out.push_back(FamilyBuilder("process_cpu_seconds_total",
                                "Total user and system CPU time spent in seconds.",
                                MetricType::Counter)
                      .Add({}, (s.utime_ticks + s.stime_ticks) / ticks)
                      .Build());
    out.push_back(FamilyBuilder("process_resident_memory_bytes", "Resident memory size in bytes.",
                                MetricType::Gauge)
                      .Add({}, s.rss_pages * page)
                      .Build());
    out.push_back(FamilyBuilder("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                                MetricType::Gauge)
                      .Add({}, s.vsize)
                      .Build());
    static const double boot = BootTime();
    out.push_back(FamilyBuilder("process_start_time_seconds",
                                "Start time of the process since unix epoch in seconds.",
                                MetricType::Gauge)
                      .Add({}, boot + s.start_ticks / ticks)
                      .Build());
  }
  if (int fds = OpenFds(); fds >= 0) {
    out.push_back(FamilyBuilder("process_open_fds", "Number of open file descriptors.",
                                MetricType::Gauge)
                      .Add({}, fds)
                      .Build());
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    out.push_back(FamilyBuilder("process_max_fds", "Maximum number of open file descriptors.",
                                MetricType::Gauge)
                      .Add({}, limit.rlim_cur == RLIM_INFINITY ? -1.0
                                                               : static_cast<double>(limit.rlim_cur))
                      .Build());
  }
  return out;
}

}  // namespace kop::metrics
