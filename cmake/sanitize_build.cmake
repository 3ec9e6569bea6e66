# Sanitizer builds (CMakePresets.json: presets "asan" and "tsan"; scripts/sanitize.sh).
#
# STEPTREE_SANITIZE=address,undefined or =thread builds the torch-free parts of steptree
# (core, datasets, mcts, search, sweep, export, policy/text, policy/model/format, the fuzz
# targets) instrumented, with `steptree_core_tests`: every tests/test_*.cc file that
# includes headers of those parts only and does not run the steptree binary. LibTorch itself is not instrumented, and a
# sanitizer over code that calls into an uninstrumented library reports what it cannot
# see (TSan in particular), so the torch side is left to the normal build; the engine's
# threading (the search runner, virtual loss, cross-tree batching) runs on the fake
# backend here. A report fails the run (halt_on_error, see scripts/sanitize.sh).
# Included twice by CMakeLists.txt: with STEPTREE_SANITIZE_PHASE "flags" before any target
# (the instrumentation applies to everything built), with "tests" after the torch-free
# libraries (steptree_core, _datasets, _model_format, _text, _mcts, _search, _sweep, _export,
# _fuzz_targets).
if(STEPTREE_SANITIZE_PHASE STREQUAL "flags")
  add_compile_options(-fno-omit-frame-pointer -g -fsanitize=${STEPTREE_SANITIZE})
  add_link_options(-fsanitize=${STEPTREE_SANITIZE})
  if(STEPTREE_SANITIZE MATCHES "undefined")
    add_compile_options(-fno-sanitize-recover=undefined)  # every UBSan finding is an error
  endif()
  return()
endif()

# Test files of the torch-free side that do not run the binary.
file(GLOB TEST_CANDIDATES CONFIGURE_DEPENDS tests/test_*.cc)
set(CORE_TEST_SOURCES "${CMAKE_SOURCE_DIR}/tests/test_main.cc")
set(CORE_TEST_NAMES)
foreach(source ${TEST_CANDIDATES})
  get_filename_component(stem "${source}" NAME_WE)
  if(stem STREQUAL "test_main")
    continue()
  endif()
  file(READ "${source}" text)
  # Only headers of the torch-free parts (the layering of docs/architecture.md).
  if(text MATCHES "Binary\\(\\)|tests/cli_fixtures\\.h")  # runs the binary, itself or through the fixtures
    continue()
  endif()
  string(REGEX MATCHALL "#include \"[a-z_0-9/]+\\.h\"" project_includes "${text}")
  set(needs_torch FALSE)
  foreach(include ${project_includes})
    if(NOT include MATCHES "#include \"(core|datasets|mcts|search|sweep|export|fuzz|tests|policy/text|policy/model/format)/[a-z_0-9]+\\.h\"")
      set(needs_torch TRUE)
    endif()
  endforeach()
  if(needs_torch)
    continue()
  endif()
  list(APPEND CORE_TEST_SOURCES "${source}")
  list(APPEND CORE_TEST_NAMES ${stem})
endforeach()
add_executable(steptree_core_tests ${CORE_TEST_SOURCES})
target_link_libraries(steptree_core_tests PRIVATE steptree_fuzz_targets steptree_export steptree_sweep steptree_text
                      steptree_model_format
                      doctest::doctest)
target_compile_definitions(steptree_core_tests PRIVATE
  STEPTREE_DATA_DIR="${STEPTREE_DATA_DIR}"
  STEPTREE_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
  STEPTREE_BINARY="/nonexistent/steptree-not-built-under-sanitizers")

# One ctest entry per test file, as in the normal build; the thread sanitizer runs the
# files whose cases use threads (STEPTREE_TSAN_TESTS), the others only under ASan+UBSan.
enable_testing()
set(STEPTREE_TSAN_TESTS test_search test_mcts test_dvts test_countdown_search)
set(SANITIZED_TEST_FILES)
foreach(stem ${CORE_TEST_NAMES})
  if(NOT STEPTREE_SANITIZE STREQUAL "thread" OR stem IN_LIST STEPTREE_TSAN_TESTS)
    list(APPEND SANITIZED_TEST_FILES ${stem})
  endif()
endforeach()
include(cmake/file_tests.cmake)
steptree_add_file_tests(steptree_core_tests FILES ${SANITIZED_TEST_FILES})
