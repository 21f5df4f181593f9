# The embedded llama.cpp backend is optional: scripts/fetch-llama builds llama.cpp static into
# third_party/llama-install (the presets point MASPO_LLAMA_DIR there). When that install is
# present, maspo_llama_enable(maspo_llm) links it and defines MASPO_WITH_LLAMA=1; when it is not
# (a machine where setup has not run yet), maspo builds without the backend and `backend: llama`
# fails with a message that says to run scripts/setup.
set(MASPO_WITH_LLAMA OFF)
if(MASPO_LLAMA_DIR AND EXISTS "${MASPO_LLAMA_DIR}/lib/cmake/llama/llama-config.cmake")
  # NO_DEFAULT_PATH: only the pinned build that fetch-llama made, never a system llama.cpp whose
  # API may differ.
  find_package(llama CONFIG QUIET PATHS "${MASPO_LLAMA_DIR}" NO_DEFAULT_PATH)
  if(llama_FOUND AND TARGET llama)
    set(MASPO_WITH_LLAMA ON)
    message(STATUS "maspo: embedded llama.cpp backend ON (${MASPO_LLAMA_DIR}, llama.cpp ${LLAMA_VERSION} ${LLAMA_BUILD_COMMIT})")
  endif()
endif()
if(NOT MASPO_WITH_LLAMA)
  message(STATUS "maspo: embedded llama.cpp backend OFF (no llama.cpp install in MASPO_LLAMA_DIR='${MASPO_LLAMA_DIR}'; scripts/setup builds it)")
endif()

# llama-server from the same source, for bench/llama_batching (empty when absent).
set(MASPO_LLAMA_SERVER_BIN "")
if(MASPO_WITH_LLAMA AND EXISTS "${MASPO_LLAMA_DIR}/bin/llama-server")
  set(MASPO_LLAMA_SERVER_BIN "${MASPO_LLAMA_DIR}/bin/llama-server")
endif()

function(maspo_llama_enable target)
  if(MASPO_WITH_LLAMA)
    # The imported target's include directories are SYSTEM, so llama.h/ggml.h do not trip our
    # warning flags.
    target_link_libraries(${target} PUBLIC llama)
    target_compile_definitions(${target} PUBLIC MASPO_WITH_LLAMA=1)
  endif()
endfunction()
