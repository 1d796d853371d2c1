# CRDs generated from C++ declarations (kop/api/resource.h):
#
#   kop_add_crd_generator(<program>
#     SOURCES <main.cc...>              # calls kop::CrdGeneratorMain
#     [DEPS <targets...>]
#     OUTPUTS <yaml files...>           # relative to the current source directory
#     [TARGET <name>]                   # default: <program>s
#     [TEST <test name>])               # default: <program>-matches-its-declaration
#
# builds <program>; `cmake --build <dir> --target <name>` rewrites the OUTPUTS (commit them);
# the ctest test fails, naming the file, when a committed OUTPUT differs from what the
# declaration generates now.
include_guard(GLOBAL)

function(kop_add_crd_generator program)
  cmake_parse_arguments(_kc "" "TARGET;TEST" "SOURCES;DEPS;OUTPUTS" ${ARGN})
  if(NOT _kc_SOURCES OR NOT _kc_OUTPUTS)
    message(FATAL_ERROR "kop_add_crd_generator(${program}): SOURCES and OUTPUTS are required")
  endif()
  if(NOT _kc_TARGET)
    set(_kc_TARGET ${program}s)
  endif()
  if(NOT _kc_TEST)
    set(_kc_TEST ${program}-matches-its-declaration)
  endif()
  add_executable(${program} ${_kc_SOURCES})
  target_link_libraries(${program} PRIVATE kop::api kop::k8s ${_kc_DEPS})
  target_compile_features(${program} PRIVATE cxx_std_20)
  set(_outputs)
  foreach(_out IN LISTS _kc_OUTPUTS)
    get_filename_component(_abs ${_out} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
    list(APPEND _outputs ${_abs})
  endforeach()
  add_custom_target(${_kc_TARGET}
    COMMAND ${program} ${_outputs}
    DEPENDS ${program}
    COMMENT "Writing the CRDs ${program} generates"
    VERBATIM)
  string(REPLACE ";" "|" _files "${_outputs}")
  add_test(NAME ${_kc_TEST}
    COMMAND ${CMAKE_COMMAND} -DGENERATOR=$<TARGET_FILE:${program}> "-DFILES=${_files}"
            -DREGENERATE=${_kc_TARGET} -P ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/KopCrdCheck.cmake)
endfunction()
