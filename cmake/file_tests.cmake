# steptree_add_file_tests(BINARY FILES stem... [SUITES suite...]): the ctest entries of a
# doctest binary, shared by the normal build (CMakeLists.txt) and the sanitizer builds
# (cmake/sanitize_build.cmake). One entry per test file (`--source-file`, prerequisite
# suites excluded) and one per prerequisite suite; a fixture first clears test-records/,
# where tests/test_main.cc records every executed case for the census. An entry whose cases
# passed but skipped for want of a prerequisite exits 77, which ctest reports as skipped.
# Tests run side by side (ctest -j): one torch thread each, and threads that sleep when
# they wait, so two test processes never fight over the cores.
# EXCLUDE_SUITES: more suites the file entries leave out (the sanitizer builds leave out
# `runs-binary`, the cases that run the steptree executable, which they do not build).
function(steptree_add_file_tests binary)
  cmake_parse_arguments(ARG "" "" "FILES;SUITES;EXCLUDE_SUITES" ${ARGN})
  set(record_dir "${CMAKE_BINARY_DIR}/test-records")
  if(NOT TEST test-records-reset)  # one fixture for every binary of the build
    add_test(NAME test-records-reset COMMAND ${CMAKE_COMMAND} -E rm -rf "${record_dir}")
    set_tests_properties(test-records-reset PROPERTIES FIXTURES_SETUP test_records)
  endif()
  set(excluded "needs-*")
  foreach(suite ${ARG_EXCLUDE_SUITES})
    string(APPEND excluded ",${suite}")
  endforeach()
  set(names)
  foreach(stem ${ARG_FILES})
    add_test(NAME ${stem} COMMAND ${binary} "--source-file=*/tests/${stem}.cc" "--test-suite-exclude=${excluded}"
             --duration=true)
    list(APPEND names ${stem})
  endforeach()
  foreach(suite ${ARG_SUITES})
    add_test(NAME ${suite} COMMAND ${binary} "--test-suite=${suite}" --duration=true)
    list(APPEND names ${suite})
  endforeach()
  set_tests_properties(${names} PROPERTIES
    ENVIRONMENT "OMP_NUM_THREADS=1;OMP_WAIT_POLICY=passive;STEPTREE_TEST_RECORD_DIR=${record_dir}"
    SKIP_RETURN_CODE 77 FIXTURES_REQUIRED test_records)
endfunction()
