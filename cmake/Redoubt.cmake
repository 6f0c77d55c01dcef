# Helpers shared by every folder's CMakeLists.txt.

# redoubt_add_test(NAME SOURCES... [LIBS ...] [LABELS ...])
# A GoogleTest executable registered with ctest, one ctest entry per binary.
function(redoubt_add_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main
                                        Threads::Threads)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY
                                           ${CMAKE_BINARY_DIR}/tests)
  add_test(NAME ${name} COMMAND ${name})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  set_tests_properties(${name} PROPERTIES TIMEOUT ${T_TIMEOUT}
      ENVIRONMENT "REDOUBT_BIN_DIR=${CMAKE_BINARY_DIR}/bin;REDOUBT_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
  if(T_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}")
  endif()
endfunction()

# redoubt_add_bench(NAME SOURCES... [LIBS ...])
# A benchmark program; `make bench` runs them all. Each prints lines of the
# form `bench: NAME VALUE UNIT [x RATIO vs BASELINE]`.
function(redoubt_add_bench name)
  cmake_parse_arguments(B "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${B_SOURCES})
  target_link_libraries(${name} PRIVATE ${B_LIBS} Threads::Threads)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY
                                           ${CMAKE_BINARY_DIR}/bench)
  set_property(GLOBAL APPEND PROPERTY REDOUBT_BENCHES ${name})
endfunction()
