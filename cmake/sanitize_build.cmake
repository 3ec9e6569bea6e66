# Sanitizer builds (CMakePresets.json: presets "asan" and "tsan"; scripts/sanitize.sh).
#
# STEPTREE_SANITIZE=address,undefined or =thread builds steptree's libraries instrumented,
# the torch parts included, and two test binaries, without the `steptree` executable:
#   steptree_core_tests    every tests/test_*.cc file that includes headers of the torch-free
#                          parts only (core, datasets, mcts, search, sweep, export,
#                          policy/text, policy/model/format, fuzz) and does not run the binary;
#   steptree_engine_tests  the torch-side files of STEPTREE_ENGINE_TEST_FILES: the engine
#                          (prefix cache, cross-tree batching, the backend, tool calls), the
#                          models, training and the value head. Their cases that run the
#                          steptree executable are in the suite `runs-binary`, left out here.
# LibTorch itself is not instrumented. ASan and UBSan check every access steptree's own code
# makes, into torch's buffers too. TSan sees the happens-before edges of steptree's locks
# and threads but not those inside libtorch, so the tests run with one torch thread
# (OMP_NUM_THREADS=1, cmake/file_tests.cmake): torch then starts no threads of its own, and
# every thread TSan watches is one of steptree's (the search runner's workers). Under TSan
# the search runner uses std::thread instead of TBB tasks (search/runner.cc; libtbb is not
# instrumented either). A report fails the run (halt_on_error, see scripts/sanitize.sh).
# Included three times by CMakeLists.txt: with STEPTREE_SANITIZE_PHASE "flags" before any
# target (the instrumentation applies to everything built), "tests" after the torch-free
# libraries, "torch_tests" after the torch parts.
if(STEPTREE_SANITIZE_PHASE STREQUAL "flags")
  add_compile_options(-fno-omit-frame-pointer -g -fsanitize=${STEPTREE_SANITIZE})
  add_link_options(-fsanitize=${STEPTREE_SANITIZE})
  if(STEPTREE_SANITIZE MATCHES "undefined")
    add_compile_options(-fno-sanitize-recover=undefined)  # every UBSan finding is an error
  endif()
  return()
endif()

if(STEPTREE_SANITIZE_PHASE STREQUAL "torch_tests")
  # The torch-side files; TSan runs those whose cases use threads (the search runner over
  # the policy backend, with the prefix cache and cross-tree batching).
  set(STEPTREE_ENGINE_TEST_FILES test_prefix_cache test_policy_backend test_tool_calls test_policy test_sampling test_trainer test_step_preference
                                 test_value test_hf_model test_safetensors)
  set(STEPTREE_ENGINE_TSAN_TESTS test_prefix_cache test_policy_backend test_tool_calls)
  set(ENGINE_TEST_SOURCES "${CMAKE_SOURCE_DIR}/tests/test_main.cc")
  set(ENGINE_TEST_NAMES)
  foreach(stem ${STEPTREE_ENGINE_TEST_FILES})
    if(NOT STEPTREE_SANITIZE STREQUAL "thread" OR stem IN_LIST STEPTREE_ENGINE_TSAN_TESTS)
      list(APPEND ENGINE_TEST_SOURCES "${CMAKE_SOURCE_DIR}/tests/${stem}.cc")
      list(APPEND ENGINE_TEST_NAMES ${stem})
    endif()
  endforeach()
  add_executable(steptree_engine_tests ${ENGINE_TEST_SOURCES})
  target_link_libraries(steptree_engine_tests PRIVATE steptree_engine steptree_train steptree_export doctest::doctest)
  steptree_use_torch_pch(steptree_engine_tests)
  target_compile_definitions(steptree_engine_tests PRIVATE
    STEPTREE_DATA_DIR="${STEPTREE_DATA_DIR}"
    STEPTREE_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
    STEPTREE_BINARY="/nonexistent/steptree-not-built-under-sanitizers")
  steptree_add_file_tests(steptree_engine_tests FILES ${ENGINE_TEST_NAMES} EXCLUDE_SUITES runs-binary)
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
