#include <cstring>
#include <iostream>

#include "greeter.h"
#include "kop/base/version.h"

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--version") == 0) {
    std::cout << "greeter on kop " << kop::Version() << "\n";
    return 0;
  }
  absl::StatusOr<std::unique_ptr<kop::Manager>> manager = kop::Manager::Create({.name = "greeter"});
  if (!manager.ok()) {
    std::cerr << manager.status() << "\n";
    return 1;
  }
  if (absl::Status s = AddGreeter(**manager); !s.ok()) {
    std::cerr << s << "\n";
    return 1;
  }
  absl::Status s = (*manager)->Run();
  if (!s.ok()) std::cerr << s << "\n";
  return s.ok() ? 0 : 1;
}
