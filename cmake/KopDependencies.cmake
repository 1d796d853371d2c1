# Finds every third-party dependency kop builds against. Each comes from a Debian
# package; when one is missing, configuration stops and names the package to install
# (scripts/setup installs all of them).

include_guard(GLOBAL)

# kop_require(<find_package args...> DEBIAN <package>)
macro(kop_require name)
  cmake_parse_arguments(_kr "" "DEBIAN" "" ${ARGN})
  find_package(${name} ${_kr_UNPARSED_ARGUMENTS} QUIET)
  if(NOT ${name}_FOUND)
    message(FATAL_ERROR
      "kop needs ${name}, which was not found. Install the Debian package "
      "'${_kr_DEBIAN}' (apt-get install ${_kr_DEBIAN}), or run scripts/setup.")
  endif()
endmacro()

kop_require(Threads DEBIAN libc6-dev)
kop_require(absl CONFIG DEBIAN libabsl-dev)
kop_require(nlohmann_json CONFIG DEBIAN nlohmann-json3-dev)
kop_require(CURL DEBIAN libcurl4-openssl-dev)
kop_require(OpenSSL DEBIAN libssl-dev)
# libyaml parses YAML; kop writes YAML itself (api/yaml_emit.cc), as Kubernetes does.
find_path(KOP_LIBYAML_INCLUDE_DIR yaml.h)
find_library(KOP_LIBYAML_LIBRARY NAMES yaml)
if(NOT KOP_LIBYAML_INCLUDE_DIR OR NOT KOP_LIBYAML_LIBRARY)
  message(FATAL_ERROR "kop needs libyaml, which was not found. Install the Debian package "
                      "'libyaml-dev' (apt-get install libyaml-dev), or run scripts/setup.")
endif()
if(NOT TARGET kop_libyaml)
  add_library(kop_libyaml UNKNOWN IMPORTED)
  set_target_properties(kop_libyaml PROPERTIES IMPORTED_LOCATION "${KOP_LIBYAML_LIBRARY}"
                                               INTERFACE_INCLUDE_DIRECTORIES "${KOP_LIBYAML_INCLUDE_DIR}")
endif()
kop_require(prometheus-cpp CONFIG DEBIAN prometheus-cpp-dev)
kop_require(civetweb CONFIG DEBIAN libcivetweb-dev)
kop_require(Protobuf DEBIAN libprotobuf-dev)
kop_require(gRPC CONFIG DEBIAN libgrpc++-dev)
kop_require(SQLite3 DEBIAN libsqlite3-dev)

find_program(KOP_PROTOC protoc)
if(NOT KOP_PROTOC)
  message(FATAL_ERROR "kop needs protoc. Install the Debian package 'protobuf-compiler'.")
endif()
find_program(KOP_GRPC_CPP_PLUGIN grpc_cpp_plugin)
if(NOT KOP_GRPC_CPP_PLUGIN)
  message(FATAL_ERROR
    "kop needs grpc_cpp_plugin. Install the Debian package 'protobuf-compiler-grpc'.")
endif()

if(KOP_BUILD_TESTS)
  kop_require(Catch2 2 CONFIG DEBIAN catch2)
endif()
