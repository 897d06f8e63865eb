# The programs that go into the image: whichever of init, attestd, egressd,
# acmed, authd this build defines as executables. A component added later is picked
# up at the next configure with no change here. Sets, in the caller's scope:
#   <args_var>     "--program=NAME=$<TARGET_FILE:NAME>" for build-image.sh
#   <targets_var>  the target names (for DEPENDS)
function(appliance_image_programs args_var targets_var)
  set(args "")
  set(targets "")
  foreach(program init attestd egressd acmed authd)
    if(TARGET ${program})
      get_target_property(program_type ${program} TYPE)
      if(program_type STREQUAL "EXECUTABLE")
        list(APPEND args "--program=${program}=$<TARGET_FILE:${program}>")
        list(APPEND targets ${program})
      endif()
    endif()
  endforeach()
  set(${args_var} "${args}" PARENT_SCOPE)
  set(${targets_var} "${targets}" PARENT_SCOPE)
endfunction()
