# The precompiled <torch/torch.h> goes only to the translation units that include torch,
# directly or through the project's headers: loading it costs a unit that never uses torch
# more than it saves (app/cmd_grade.cc: 10 s without it, 27 s with it; a torch unit such as
# policy/engine/policy_backend.cc: 21 s without, 11 s with). steptree_use_torch_pch(TARGET)
# sets SKIP_PRECOMPILE_HEADERS on the target's other sources.

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

# Gives `target` the shared torch PCH (built by steptree_model) on its torch units only.
function(steptree_use_torch_pch target)
  if(NOT target STREQUAL "steptree_model")
    target_precompile_headers(${target} REUSE_FROM steptree_model)
  endif()
  get_target_property(sources ${target} SOURCES)
  foreach(source ${sources})
    get_filename_component(path "${source}" ABSOLUTE BASE_DIR "${CMAKE_SOURCE_DIR}")
    steptree_includes_torch("${path}" uses_torch)
    if(NOT uses_torch)
      set_source_files_properties("${path}" TARGET_DIRECTORY ${target} PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
    endif()
  endforeach()
endfunction()
