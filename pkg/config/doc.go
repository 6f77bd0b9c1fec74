// Package config reads Barman's INI configuration: the main file
// (barman.conf), the *.conf files of configuration_files_directory, the
// [barman] section of global options and one section per server.
//
// It follows Barman's rules: server values override global ones for the
// options that may be set globally; surrounding quotes are stripped; an
// empty value or the literal None means "unset" and blocks inheritance;
// %(name)s interpolation refers to the server's own keys, the global keys,
// name (the section) and barman_home. Every value is validated against the
// option table in options.go; errors and warnings name file and line.
//
// One deliberate difference from Barman 3.x: a literal percent sign is
// written %% (as in a single Python ConfigParser), not %%%%.
package config
