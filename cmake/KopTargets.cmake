# Helpers that give every kop target the same language level and warnings.
# Warnings are errors on kop's own code only; third-party headers come from the system
# include path, where the compiler does not warn.

include_guard(GLOBAL)

# Designated initialisers that leave defaulted fields out are the house style
# (ManagerOptions{.metrics_address = ...}); GCC 12 would warn on each.
set(KOP_WARNINGS -Wall -Wextra -Wpedantic -Werror -Wno-missing-field-initializers)
# GCC 12's libstdc++ makes -O3 report `"literal" + std::string` as an overlapping memcpy
# (a known false positive of GCC 12, fixed in 13) that only the Release build sees.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  list(APPEND KOP_WARNINGS -Wno-restrict)
endif()

function(kop_target_defaults target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_compile_options(${target} PRIVATE ${KOP_WARNINGS})
endfunction()

# kop_library(<name> SOURCES ... DEPS ...): a module library kop_<name>, aliased kop::<name>.
# Installed (with KOP_INSTALL) as lib/libkop_<name>.a and exported as kop::<name>.
function(kop_library name)
  cmake_parse_arguments(_kl "" "" "SOURCES;DEPS" ${ARGN})
  add_library(kop_${name} ${_kl_SOURCES})
  add_library(kop::${name} ALIAS kop_${name})
  set_target_properties(kop_${name} PROPERTIES EXPORT_NAME ${name})
  target_include_directories(kop_${name} PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/framework>
                                                $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(kop_${name} PUBLIC ${_kl_DEPS})
  kop_target_defaults(kop_${name})
  set_property(GLOBAL APPEND PROPERTY KOP_LIBRARIES kop_${name})
endfunction()

# kop_test(<name> LABEL <label> [RUN_SERIAL] SOURCES ... DEPS ...): a Catch2 binary whose test cases
# are each registered with ctest under the given label.
function(kop_test name)
  cmake_parse_arguments(_kt "RUN_SERIAL" "LABEL" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${_kt_SOURCES})
  target_link_libraries(${name} PRIVATE kop_test_main ${_kt_DEPS})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/test)
  kop_target_defaults(${name})
  set(_props LABELS ${_kt_LABEL} TIMEOUT 300)
  if(_kt_RUN_SERIAL)
    # No other test runs at the same time (ctest -j).
    list(APPEND _props RUN_SERIAL TRUE)
  endif()
  catch_discover_tests(${name}
    TEST_PREFIX "${_kt_LABEL}:"
    PROPERTIES ${_props})
endfunction()
