# Install layout beyond the executables (which each directory's CMakeLists
# installs: redoubt and redoubt-inspect in bindir, the children in
# libexecdir/redoubt) and the AppArmor profiles (policies/CMakeLists.txt):
# man pages, the example configuration, documentation, the system
# configuration directory. Paths are GNUInstallDirs'; a Debian build passes
# -DCMAKE_INSTALL_SYSCONFDIR=/etc, so /etc/redoubt.d is /etc and not /usr/etc.
set(_rd_data OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

install(FILES ${PROJECT_SOURCE_DIR}/man/redoubt.1 ${PROJECT_SOURCE_DIR}/man/redoubt-inspect.1
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 PERMISSIONS ${_rd_data})
install(FILES ${PROJECT_SOURCE_DIR}/man/redoubt.conf.5
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man5 PERMISSIONS ${_rd_data})

# The example is documentation, not configuration: a file in /etc/redoubt.d
# would be read (and override the built-in defaults) on every start.
install(FILES ${PROJECT_SOURCE_DIR}/etc/redoubt.conf.example
              ${PROJECT_SOURCE_DIR}/docs/architecture.md
              ${PROJECT_SOURCE_DIR}/docs/threat-model.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR} PERMISSIONS ${_rd_data})
install(FILES ${PROJECT_SOURCE_DIR}/policies/apparmor/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR}
        RENAME apparmor-profiles.md PERMISSIONS ${_rd_data})

# The system-wide drop-in directory (redoubt.conf(5)), empty: it exists so
# an administrator sees where configuration goes and the AppArmor profile's
# @{REDOUBT_CONFIG} path is real.
install(DIRECTORY DESTINATION ${CMAKE_INSTALL_SYSCONFDIR}/redoubt.d
        DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                              WORLD_READ WORLD_EXECUTE)
