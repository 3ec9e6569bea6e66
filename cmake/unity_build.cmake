# Unity builds (STEPTREE_UNITY, on by default): a target's sources are #included into a few
# generated units and compiled as those, not file by file. Most of a unit's CPU time is not
# its own code but the templates it instantiates and optimises at -O3 (nlohmann::json
# everywhere, cxxopts and its std::regex in app/), again in every unit: app/cmd_grade.cc,
# cmd_tokenize.cc and cmd_gen_problems.cc take 37.6 s as three units, 12.0 s as one.
#
# steptree_unity(TARGET): one unit per target by default. Fewer, larger units cost the least
# CPU (app/'s 26 torch-free files: 33 s as one unit, 45 s as two), and since the parts do not
# wait for each other (CMAKE_OPTIMIZE_DEPENDENCIES in CMakeLists.txt) two cores stay busy
# without splitting a part. A target that uses the torch PCH (cmake/torch_pch.cmake) and
# whose sources mostly do not include torch gets two: one for those that do, with the PCH,
# one for the others, without. STEPTREE_UNITY_BATCH_SIZE=N > 0 splits each unit into
# batches of at most N files, in file-name order and about equal in bytes (for machines
# with many cores).
#
# What this asks of the code: the .cc files of a target share a unit, so no two of them may
# define the same name in an anonymous namespace (or static), nor leave behind a macro or a
# `using namespace` that changes a later file. The default (one unit per target or half) is
# also the check that no two files of a target collide.
option(STEPTREE_UNITY "Compile each target's sources as a few combined units (unity build)" ON)
set(STEPTREE_UNITY_BATCH_SIZE 0 CACHE STRING
    "At most this many files per unity unit; 0: one unit per target (and per torch/plain half)")

# Puts `sources` into `count` contiguous groups of about equal size: PREFIX_0, PREFIX_1, ...
function(steptree_unity_groups target prefix count)
  set(sources ${ARGN})
  set(total 0)
  set(sizes)
  foreach(source ${sources})
    file(SIZE "${source}" size)
    list(APPEND sizes ${size})
    math(EXPR total "${total} + ${size}")
  endforeach()
  set(before 0)
  set(index 0)
  foreach(source ${sources})
    list(GET sizes ${index} size)
    # The group of the file's middle byte: floor((before + size / 2) * count / total).
    math(EXPR group "(2 * ${before} + ${size}) * ${count} / (2 * ${total} + 1)")
    set_source_files_properties("${source}" TARGET_DIRECTORY ${target} PROPERTIES
                                UNITY_GROUP "${prefix}_${group}")
    math(EXPR before "${before} + ${size}")
    math(EXPR index "${index} + 1")
  endforeach()
endfunction()

function(steptree_unity target)
  if(NOT STEPTREE_UNITY)
    return()
  endif()
  get_target_property(sources ${target} SOURCES)
  get_target_property(reused_pch ${target} PRECOMPILE_HEADERS_REUSE_FROM)
  get_target_property(own_pch ${target} PRECOMPILE_HEADERS)
  # Halves: "torch" (the units given the PCH) and "plain" on a target with the PCH, else
  # "all".
  set(halves all)
  if(reused_pch OR own_pch)
    set(halves torch plain)
  endif()
  set(all_sources)
  set(torch_sources)
  set(plain_sources)
  foreach(source ${sources})
    get_filename_component(path "${source}" ABSOLUTE BASE_DIR "${CMAKE_SOURCE_DIR}")
    get_source_file_property(skip_pch "${path}" TARGET_DIRECTORY ${target} SKIP_PRECOMPILE_HEADERS)
    if(halves STREQUAL "all")
      list(APPEND all_sources "${path}")
    elseif(skip_pch)
      list(APPEND plain_sources "${path}")
    else()
      list(APPEND torch_sources "${path}")
    endif()
  endforeach()
  # A few torch-free files join the torch unit: a unit of their own would parse the common
  # headers and instantiate the common templates again (policy/engine/: 21.5 s as one unit,
  # 23.0 + 3.0 s as two). Many keep apart: the PCH slows them down (app/: 71.9 s as one
  # unit, 29.8 + 33.8 s as two).
  list(LENGTH torch_sources torch_count)
  list(LENGTH plain_sources plain_count)
  if(plain_count LESS_EQUAL torch_count)
    list(APPEND torch_sources ${plain_sources})
    set(plain_sources)
  endif()
  foreach(half ${halves})
    list(LENGTH ${half}_sources count)
    if(count EQUAL 0)
      continue()
    endif()
    set(groups 1)
    if(STEPTREE_UNITY_BATCH_SIZE GREATER 0)
      math(EXPR groups "(${count} + ${STEPTREE_UNITY_BATCH_SIZE} - 1) / ${STEPTREE_UNITY_BATCH_SIZE}")
    endif()
    steptree_unity_groups(${target} ${half} ${groups} ${${half}_sources})
    if(half STREQUAL "plain")
      # CMake writes group G's unit as <target>.dir/Unity/unity_G_cxx.cxx and gives it the
      # target's PCH unless the source of that name says otherwise. (Were CMake to name it
      # differently, these units would load the PCH: slower, not wrong.)
      math(EXPR last "${groups} - 1")
      get_target_property(binary_dir ${target} BINARY_DIR)
      foreach(group RANGE ${last})
        set_source_files_properties(
          "${binary_dir}/CMakeFiles/${target}.dir/Unity/unity_plain_${group}_cxx.cxx"
          TARGET_DIRECTORY ${target} PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
      endforeach()
    endif()
  endforeach()
  set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_MODE GROUP)
endfunction()
