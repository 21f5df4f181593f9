# Warnings and sanitizers for our own targets only (third-party headers are SYSTEM includes).
function(maspo_target_options target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor)
  if(MASPO_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(MASPO_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
  if(MASPO_FUZZ)
    # Coverage for libFuzzer plus ASan/UBSan (and libstdc++'s bounds checks, e.g. front() of an
    # empty string); tests/fuzz links the harnesses with -fsanitize=fuzzer.
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                                             -fno-sanitize-recover=undefined -D_GLIBCXX_ASSERTIONS)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()

# maspo_module(NAME DEPS...): a static library from every .cpp in src/NAME/.
function(maspo_module name)
  # One folder level down too (src/opt/baselines/).
  file(GLOB _srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${name}/*.cpp ${CMAKE_CURRENT_SOURCE_DIR}/${name}/*/*.cpp)
  add_library(maspo_${name} STATIC ${_srcs})
  target_include_directories(maspo_${name} PUBLIC ${PROJECT_SOURCE_DIR}/include PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(maspo_${name} PUBLIC ${ARGN})
  maspo_target_options(maspo_${name})
endfunction()
