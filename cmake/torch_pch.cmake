# One precompiled <torch/torch.h> (570 MB), built by steptree_torch_pch and loaded by the
# units that include torch, directly or through the project's headers. Measured at -O3 with
# this project's flags: parsing <torch/torch.h> costs a unit 17.6 s of CPU, loading the PCH
# 10.3 s, building it about 45 s. A unit that does not include torch is left without it, as
# it slows down that unit's own code too: app/'s 26 torch-free files take 33.8 s as one
# unit, and 71.9 s with app/'s 2 torch files and the PCH, against 29.8 s for those 2 alone.
# steptree_use_torch_pch(TARGET) sets SKIP_PRECOMPILE_HEADERS on the target's other sources,
# and cmake/unity_build.cmake gives them a unit of their own when they are many.
#
# steptree_torch_pch is an object library of one empty unit (CMake builds a PCH only for a
# target with a unit that uses it), so that the torch parts wait for the PCH alone, not for
# another part's units (CMAKE_OPTIMIZE_DEPENDENCIES drops the order between the parts).

# Sets `out` to TRUE when `file` includes <torch/...>, <ATen/...> or <c10/...>, itself or
# through a quoted project header (resolved against the source root), else FALSE. Results
# are memoised in global properties, so each header is read once per configure.
function(steptree_includes_torch file out)
  string(MAKE_C_IDENTIFIER "${file}" key)
  get_property(known GLOBAL PROPERTY "STEPTREE_TORCH_${key}" SET)
  if(known)
    get_property(result GLOBAL PROPERTY "STEPTREE_TORCH_${key}")
    set(${out} ${result} PARENT_SCOPE)
    return()
  endif()
  set_property(GLOBAL PROPERTY "STEPTREE_TORCH_${key}" FALSE)  # breaks include cycles
  set(result FALSE)
  if(EXISTS "${file}")
    file(STRINGS "${file}" includes REGEX "^#include [<\"]")
    foreach(line ${includes})
      if(line MATCHES "^#include <(torch|ATen|c10)/")
        set(result TRUE)
        break()
      elseif(line MATCHES "^#include \"([^\"]+)\"")
        steptree_includes_torch("${CMAKE_SOURCE_DIR}/${CMAKE_MATCH_1}" nested)
        if(nested)
          set(result TRUE)
          break()
        endif()
      endif()
    endforeach()
  endif()
  set_property(GLOBAL PROPERTY "STEPTREE_TORCH_${key}" ${result})
  set(${out} ${result} PARENT_SCOPE)
endfunction()

# The object library steptree_torch_pch: the PCH, with one empty unit (CMake builds a PCH only
# for a target with a unit that uses it).
function(steptree_add_torch_pch)
  file(CONFIGURE OUTPUT "${CMAKE_BINARY_DIR}/steptree_torch_pch.cc"
       CONTENT "// The unit that has CMake build the precompiled <torch/torch.h> (cmake/torch_pch.cmake).\n")
  add_library(steptree_torch_pch OBJECT "${CMAKE_BINARY_DIR}/steptree_torch_pch.cc")
  target_include_directories(steptree_torch_pch PRIVATE ${CMAKE_SOURCE_DIR})
  target_link_libraries(steptree_torch_pch PRIVATE ${TORCH_LIBRARIES} Eigen3::Eigen)
  target_precompile_headers(steptree_torch_pch PRIVATE <torch/torch.h>)
endfunction()

# Gives `target` the shared torch PCH on its torch units only.
function(steptree_use_torch_pch target)
  target_precompile_headers(${target} REUSE_FROM steptree_torch_pch)
  get_target_property(sources ${target} SOURCES)
  foreach(source ${sources})
    get_filename_component(path "${source}" ABSOLUTE BASE_DIR "${CMAKE_SOURCE_DIR}")
    steptree_includes_torch("${path}" uses_torch)
    if(NOT uses_torch)
      set_source_files_properties("${path}" TARGET_DIRECTORY ${target} PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
    endif()
  endforeach()
endfunction()
