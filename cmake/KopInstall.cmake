# Install rules and the CMake package (KOP_INSTALL, on when kop is the top-level project):
#
#   <prefix>/include/kop/...                 the headers
#   <prefix>/lib/libkop_<module>.a           one static library per module
#   <prefix>/lib/kop/libkop_health_grpc.so   the gRPC health module, loaded on demand
#   <prefix>/lib/cmake/kop/                  kopConfig.cmake, kopConfigVersion.cmake, kopTargets.cmake,
#                                            KopCrds.cmake (kop_add_crd_generator)
#   <prefix>/lib/pkgconfig/kop.pc            (and kop-testing.pc) for pkg-config users
#   <prefix>/bin/kop-apiserver, kopctl
#
# find_package(kop 0.1 CONFIG REQUIRED) then gives kop::kop (everything a production operator
# needs), kop::<module> for each module, and kop::testing / kop::testkit for tests.

include_guard(GLOBAL)
include(CMakePackageConfigHelpers)

set(KOP_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/kop)

get_property(_kop_libraries GLOBAL PROPERTY KOP_LIBRARIES)
install(TARGETS ${_kop_libraries} kop_framework
  EXPORT kopTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/framework/kop
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev
  FILES_MATCHING PATTERN "*.h")
# The built-in kinds' types, generated at build time.
get_property(_kop_k8s_generated GLOBAL PROPERTY KOP_K8S_GENERATED_DIR)
install(DIRECTORY ${_kop_k8s_generated}/kop
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev
  FILES_MATCHING PATTERN "*.h")
install(TARGETS kop_health_grpc
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/kop COMPONENT dev)
install(TARGETS kop-apiserver kopctl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT tools)
if(TARGET kop-tool)
  install(TARGETS kop-tool RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT tools)
endif()

install(EXPORT kopTargets NAMESPACE kop:: DESTINATION ${KOP_CMAKE_INSTALL_DIR} COMPONENT dev)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/kopConfig.cmake.in
  ${PROJECT_BINARY_DIR}/kopConfig.cmake
  INSTALL_DESTINATION ${KOP_CMAKE_INSTALL_DIR})
# 0.x: a minor version may break the API (semantic versioning), so only the same minor
# version is compatible; from 1.0 on, the same major version.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(_kop_compatibility SameMinorVersion)
else()
  set(_kop_compatibility SameMajorVersion)
endif()
write_basic_package_version_file(${PROJECT_BINARY_DIR}/kopConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY ${_kop_compatibility})
install(FILES ${PROJECT_BINARY_DIR}/kopConfig.cmake ${PROJECT_BINARY_DIR}/kopConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/KopCrds.cmake ${PROJECT_SOURCE_DIR}/cmake/KopCrdCheck.cmake
  DESTINATION ${KOP_CMAKE_INSTALL_DIR} COMPONENT dev)

# pkg-config: static libraries, so the order is the dependency order. The prefix is found
# from the .pc file's own place, so an installed tree can be moved (or unpacked elsewhere).
file(RELATIVE_PATH KOP_PC_PREFIX_FROM_PCFILEDIR ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" KOP_PC_PREFIX_FROM_PCFILEDIR "${KOP_PC_PREFIX_FROM_PCFILEDIR}")
set(KOP_PC_LIBS "-lkop_manager -lkop_util -lkop_leaderelection -lkop_controller -lkop_cache -lkop_health -lkop_metrics -lkop_workqueue -lkop_client -lkop_log -lkop_k8s -lkop_api -lkop_base")
configure_file(${PROJECT_SOURCE_DIR}/cmake/kop.pc.in ${PROJECT_BINARY_DIR}/kop.pc @ONLY)
configure_file(${PROJECT_SOURCE_DIR}/cmake/kop-testing.pc.in ${PROJECT_BINARY_DIR}/kop-testing.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/kop.pc ${PROJECT_BINARY_DIR}/kop-testing.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)

# Debian packages: `cpack -G DEB` in the build tree makes
#   libkop-dev  headers, static libraries, the gRPC health module, CMake and pkg-config files;
#               Depends: the Debian -dev packages kop's headers and libraries need
#   kop-tools   kop-apiserver and kopctl; Depends: from the binaries' shared libraries
# installed under /usr.
set(CPACK_PACKAGE_NAME kop)
set(CPACK_PACKAGE_VENDOR "the kop project")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "kop maintainers <kop@example.com>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES TRUE)  # no debug information in the packages
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL dev tools)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_DEV_PACKAGE_NAME libkop-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_COMPONENT_DEV_DESCRIPTION "Kubernetes operators in C++: development files
kop is a framework for writing Kubernetes operators in C++: dynamic informers, a
rate-limited work queue, controllers, a manager with metrics, health probes and leader
election, and an embedded Kubernetes API server for tests. This package holds the headers,
the static libraries and the CMake and pkg-config files (find_package(kop)).")
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
  "libabsl-dev, nlohmann-json3-dev, libcurl4-openssl-dev, libssl-dev, libyaml-dev, prometheus-cpp-dev, libcivetweb-dev, libsqlite3-dev, g++ (>= 4:12), cmake (>= 3.22)")
set(CPACK_DEBIAN_TOOLS_PACKAGE_NAME kop-tools)
set(CPACK_DEBIAN_TOOLS_PACKAGE_SECTION devel)
set(CPACK_COMPONENT_TOOLS_DESCRIPTION "Kubernetes operators in C++: command-line tools
kop-apiserver, an embedded Kubernetes API server for local development with kubectl, and
kopctl, a small kubectl-like client.")
set(CPACK_DEBIAN_TOOLS_PACKAGE_SHLIBDEPS ON)
include(CPack)
